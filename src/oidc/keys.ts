/**
 * Signing keys: generated with jose on first start, kept in the store, never in the source.
 * RS256 is the algorithm OpenID Connect requires every provider to support; ES256 is offered too.
 * The newest key of each algorithm signs; older ones stay published until they are removed.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { KeyRepository, SigningAlgorithm, StoredSigningKey } from '../storage/types.js';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256'];

export async function generateSigningKey(alg: SigningAlgorithm, createdAt = new Date()): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateJwk: { ...jwk, kid, alg, use: 'sig' }, createdAt };
}

/** Creates a key for every algorithm that has none yet; returns all stored keys. */
export async function ensureSigningKeys(keys: KeyRepository): Promise<StoredSigningKey[]> {
  const stored = await keys.list();
  for (const alg of SIGNING_ALGORITHMS) {
    if (!stored.some((key) => key.alg === alg && !key.retiredAt)) {
      const key = await generateSigningKey(alg);
      await keys.add(key);
      stored.push(key);
    }
  }
  return stored;
}

/**
 * The JWKS oidc-provider loads: active keys first, because it signs with the first key of the
 * requested algorithm, then retired keys that are still published for verification.
 */
export function providerJwks(stored: StoredSigningKey[], now = new Date()): { keys: Record<string, unknown>[] } {
  const published = stored.filter((key) => !key.removeAfter || key.removeAfter > now);
  const newestFirst = [...published].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const active = newestFirst.filter((key) => !key.retiredAt);
  const retired = newestFirst.filter((key) => key.retiredAt);
  return { keys: [...active, ...retired].map((key) => key.privateJwk) };
}
