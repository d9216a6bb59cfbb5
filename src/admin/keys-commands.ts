/** `keys list | rotate | prune`: the signing keys and cookie secrets in the store (oidc/key-admin.ts, as the Management API). */
import { KEY_PURPOSE_CHOICES, listKeyInfo, pruneKeyRing, rotateKeyRing, type KeyInfo, type KeyPurposeChoice } from '../oidc/key-admin.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import type { Row } from './output.js';

/** --purpose: signing, cookie or all; absent means all. A typo is a usage error, over HTTP as on the store. */
export function choice(value: string | undefined): KeyPurposeChoice | undefined {
  if (value === undefined || (KEY_PURPOSE_CHOICES as readonly string[]).includes(value)) return value as KeyPurposeChoice | undefined;
  throw new UsageError(`--purpose must be signing, cookie or all (got "${value}")`);
}

const row = (key: KeyInfo): Row => ({
  id: key.id,
  purpose: key.purpose,
  alg: key.alg,
  state: key.state,
  activates: key.activatesAt.toISOString(),
  retires: key.retiresAt?.toISOString(),
  removed_after: key.removeAfter?.toISOString(),
});

export const KEY_COLUMNS = ['id', 'purpose', 'alg', 'state', 'activates', 'retires', 'removed_after'];

export async function listKeys(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  return (await listKeyInfo(ctx.idp.storage.keys, choice(options.purpose))).map(row);
}

/** New keys are published first and sign after two refresh intervals (see key-ring.ts). */
export async function rotate(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  return (await rotateKeyRing(ctx.idp.storage.keys, ctx.idp.config, choice(options.purpose))).map(row);
}

export async function prune(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  return (await pruneKeyRing(ctx.idp.storage.keys, choice(options.purpose))).map(({ id, purpose }) => ({ id, purpose, removed: true }));
}
