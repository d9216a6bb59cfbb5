/**
 * Signing keys and cookie secrets over time. A new key is published first and signs only from
 * `activatesAt`, so every IdP instance has loaded it before any of them uses it; a replaced key
 * stays published until `removeAfter`, when everything it signed has expired. Keys are generated
 * with jose, kept in the store, never in the source. RS256 is what OpenID Connect requires every
 * provider to offer; ES256 is offered too.
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { KeyPurpose, KeyRepository, SigningAlgorithm, StoredKey } from '../storage/types.js';

/** What rotates: signing keys and cookie secrets (the pseudonym secret never does). */
export type RotatingPurpose = Extract<KeyPurpose, 'signing' | 'cookie'>;

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256'];

export async function generateSigningKey(alg: SigningAlgorithm, activatesAt: Date, now = new Date()): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { id: kid, purpose: 'signing', alg, material: { ...jwk, kid, alg, use: 'sig' }, createdAt: now, activatesAt };
}

export function generateCookieSecret(activatesAt: Date, now = new Date()): StoredKey {
  return { id: randomBytes(9).toString('base64url'), purpose: 'cookie', material: { secret: randomBytes(32).toString('base64url') }, createdAt: now, activatesAt };
}

export const isActive = (key: StoredKey, now: Date) => key.activatesAt <= now && !(key.retiredAt && key.retiredAt <= now);
export const isPublished = (key: StoredKey, now: Date) => !(key.removeAfter && key.removeAfter <= now);
const newestFirst = (a: StoredKey, b: StoredKey) => b.activatesAt.getTime() - a.activatesAt.getTime() || (a.id < b.id ? -1 : 1);

/** The key that signs now for a group (an algorithm, or the cookie secrets): the newest active one. */
function signer(keys: StoredKey[], now: Date): StoredKey | undefined {
  return keys.filter((key) => isActive(key, now)).sort(newestFirst)[0];
}

/**
 * The JWKS oidc-provider loads. Only the current signer of each algorithm may sign; every other
 * published key carries key_ops ["verify"], which keeps oidc-provider from signing with it while
 * verifiers still accept it.
 */
export function providerJwks(keys: StoredKey[], now: Date): { keys: Record<string, unknown>[] } {
  const published = keys.filter((key) => key.purpose === 'signing' && isPublished(key, now));
  const signers = new Set(SIGNING_ALGORITHMS.map((alg) => signer(published.filter((key) => key.alg === alg), now)?.id));
  return {
    keys: published.sort(newestFirst).map((key) => (signers.has(key.id) ? key.material : { ...key.material, key_ops: ['verify'] })),
  };
}

/** Cookie keys for Koa and oidc-provider: the signer first (it signs), then every other published one. */
export function cookieKeys(secrets: StoredKey[], now: Date): string[] {
  const published = secrets.filter((key) => key.purpose === 'cookie' && isPublished(key, now));
  const first = signer(published, now);
  const rest = published.filter((key) => key !== first).sort(newestFirst);
  return [...(first ? [first] : []), ...rest].map((key) => String(key.material.secret));
}

const BOOTSTRAP_ID = 'first-start';

/** The key set of a first start, as one record: its keys travel inside `material`. */
async function bootstrapCandidate(now: Date): Promise<StoredKey> {
  const keys = [...(await Promise.all(SIGNING_ALGORITHMS.map((alg) => generateSigningKey(alg, now, now)))), generateCookieSecret(now, now)];
  return { id: BOOTSTRAP_ID, purpose: 'bootstrap', material: { keys }, createdAt: now, activatesAt: now };
}

function keysOf(bootstrap: StoredKey): StoredKey[] {
  return (bootstrap.material.keys as StoredKey[]).map((key) => ({ ...key, createdAt: new Date(key.createdAt), activatesAt: new Date(key.activatesAt) }));
}

/**
 * At every start: make sure a signing key per algorithm and a cookie secret exist, active at once.
 * The very first start of a store is deterministic across instances: each one that finds no key
 * at all proposes a whole key set as one bootstrap record, `add` keeps only the first proposal
 * ($setOnInsert: it never replaces an id), and every instance then re-reads that record and adds
 * exactly its keys (adding an existing key changes nothing). Two instances starting together on
 * an empty database therefore end with one key set, not two that each sign what the other
 * rejects. The bootstrap record is consulted only while the store holds no key of either kind.
 * Later starts only top up a missing algorithm.
 */
export async function ensureKeys(repo: KeyRepository, now = new Date()): Promise<void> {
  if ((await repo.list('signing')).length === 0 && (await repo.list('cookie')).length === 0) {
    await repo.add(await bootstrapCandidate(now));
    const agreed = (await repo.list('bootstrap')).find((key) => key.id === BOOTSTRAP_ID);
    for (const key of agreed ? keysOf(agreed) : []) await repo.add(key);
  }
  const current = (key: StoredKey) => isPublished(key, now) && !(key.retiredAt && key.retiredAt <= now);
  const signing = await repo.list('signing');
  for (const alg of SIGNING_ALGORITHMS) {
    if (!signing.some((key) => key.alg === alg && current(key))) await repo.add(await generateSigningKey(alg, now, now));
  }
  if (!(await repo.list('cookie')).some(current)) await repo.add(generateCookieSecret(now, now));
}

export interface RotationTiming {
  now?: Date;
  /** How long a new key is published before it signs: at least every instance's refresh interval. */
  publishDelaySeconds: number;
  /** How long a replaced key stays published: the longest lifetime of anything it signed. */
  keepSeconds: number;
}

/**
 * Adds a successor for each group of the purpose (each algorithm, or the cookie secrets) and
 * retires every key of the group that has not been retired yet, not only the one signing now: a
 * key still waiting to activate from an earlier rotation, or a second active key left by an old
 * double first start, would otherwise stay published and accepted forever. Returns the new keys.
 */
export async function rotateKeys(repo: KeyRepository, purpose: RotatingPurpose, timing: RotationTiming): Promise<StoredKey[]> {
  const now = timing.now ?? new Date();
  const activatesAt = new Date(now.getTime() + timing.publishDelaySeconds * 1000);
  const groups: (SigningAlgorithm | undefined)[] = purpose === 'signing' ? [...SIGNING_ALGORITHMS] : [undefined];
  const added: StoredKey[] = [];
  for (const alg of groups) {
    const next = alg ? await generateSigningKey(alg, activatesAt, now) : generateCookieSecret(activatesAt, now);
    await repo.add(next);
    // Read again after adding: another rotation (another instance, or the CLI beside the API)
    // may have added a successor meanwhile. The newest successor wins for both, and every other
    // key of the group retires when it activates, so two rotations at once can't leave two keys
    // that each never retire.
    const group = (await repo.list(purpose)).filter((key) => key.alg === alg && isPublished(key, now));
    const newest = group.reduce((a, b) => (b.activatesAt > a.activatesAt || (b.activatesAt.getTime() === a.activatesAt.getTime() && b.id > a.id) ? b : a), next);
    const retiresAt = newest.activatesAt;
    const removeAt = new Date(retiresAt.getTime() + timing.keepSeconds * 1000);
    for (const key of group) {
      if (key.id !== newest.id && !(key.retiredAt && key.retiredAt <= retiresAt)) await repo.retire(key.id, retiresAt, removeAt);
    }
    added.push(next);
  }
  return added;
}

/**
 * Deletes keys past their removeAfter; returns their ids. The first start's record goes too once
 * a key it holds has been deleted: it carries private copies of those keys, which must not
 * outlive them.
 */
export async function pruneKeys(repo: KeyRepository, purpose: KeyPurpose, now = new Date()): Promise<string[]> {
  const expired = (await repo.list(purpose)).filter((key) => !isPublished(key, now));
  for (const key of expired) await repo.remove(key.id);
  if (expired.length > 0) {
    const bootstrap = (await repo.list('bootstrap')).find((key) => key.id === BOOTSTRAP_ID);
    const gone = new Set(expired.map((key) => key.id));
    if (bootstrap && keysOf(bootstrap).some((key) => gone.has(key.id))) await repo.remove(BOOTSTRAP_ID);
  }
  return expired.map((key) => key.id);
}

/**
 * Rotation timing from config: publish for two refresh intervals; keep as long as anything the
 * key signed lives, counted from the last moment it can sign. An instance learns that a key has
 * retired only at its next refresh, so it may sign with it for one refresh interval more: the
 * keep period covers that interval too (found by a review: with a refresh interval above the
 * minute of tolerance, tokens signed late stopped verifying before they expired).
 */
export function rotationTiming(
  config: { keysRefreshSeconds: number; ttl: { idTokenSeconds: number; accessTokenSeconds: number; sessionSeconds: number } },
  purpose: KeyPurpose,
): RotationTiming {
  const clockToleranceSeconds = 60;
  const lifetime = purpose === 'signing' ? Math.max(config.ttl.idTokenSeconds, config.ttl.accessTokenSeconds) : config.ttl.sessionSeconds;
  return {
    publishDelaySeconds: config.keysRefreshSeconds * 2,
    keepSeconds: lifetime + config.keysRefreshSeconds + clockToleranceSeconds,
  };
}
