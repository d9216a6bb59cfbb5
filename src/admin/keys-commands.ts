/** `keys list | rotate | prune`: the signing keys and cookie secrets in the store. */
import { isActive, pruneKeys, rotateKeys, rotationTiming, type RotatingPurpose } from '../oidc/key-ring.js';
import type { StoredKey } from '../storage/types.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import type { Row } from './output.js';

export function purposes(value: string | undefined): RotatingPurpose[] {
  if (value === undefined || value === 'all') return ['signing', 'cookie'];
  if (value === 'signing' || value === 'cookie') return [value];
  throw new UsageError(`--purpose must be signing, cookie or all (got "${value}")`);
}

function describe(key: StoredKey, now: Date): Row {
  const state = key.removeAfter && key.removeAfter <= now ? 'expired' : isActive(key, now) ? 'active' : key.activatesAt > now ? 'published' : 'retired';
  return {
    id: key.id,
    purpose: key.purpose,
    alg: key.alg,
    state,
    activates: key.activatesAt.toISOString(),
    retires: key.retiredAt?.toISOString(),
    removed_after: key.removeAfter?.toISOString(),
  };
}

export const KEY_COLUMNS = ['id', 'purpose', 'alg', 'state', 'activates', 'retires', 'removed_after'];

export async function listKeys(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  const now = new Date();
  const rows: Row[] = [];
  for (const purpose of purposes(options.purpose)) rows.push(...(await ctx.idp.storage.keys.list(purpose)).map((key) => describe(key, now)));
  return rows;
}

/** New keys are published first and sign after two refresh intervals (see key-ring.ts). */
export async function rotate(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  const now = new Date();
  const rows: Row[] = [];
  for (const purpose of purposes(options.purpose)) {
    const added = await rotateKeys(ctx.idp.storage.keys, purpose, { ...rotationTiming(ctx.idp.config, purpose), now });
    rows.push(...added.map((key) => describe(key, now)));
  }
  return rows;
}

export async function prune(ctx: AdminContext, options: { purpose?: string }): Promise<Row[]> {
  const rows: Row[] = [];
  for (const purpose of purposes(options.purpose)) {
    rows.push(...(await pruneKeys(ctx.idp.storage.keys, purpose)).map((id) => ({ id, purpose, removed: true })));
  }
  return rows;
}
