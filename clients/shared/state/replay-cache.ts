/**
 * The logout-token replay cache (OpenID Connect Back-Channel Logout 1.0 section 2.6, step 8: a
 * `jti` seen before is refused). A site keeps each `jti` until its token expires; after that the
 * token itself is refused as expired, so the entry can go.
 *
 * The contract, for every implementation (test/contract/site-state-contract.ts):
 * - `remember(jti, expiresAt)` is true the first time and false while that jti is remembered;
 * - it is atomic: of several concurrent calls with one jti, across processes sharing the store,
 *   exactly one gets true;
 * - an entry past `expiresAt` counts as forgotten, whether or not it has been deleted yet;
 * - after `forget(jti)`, `remember(jti, ...)` is true again.
 */
export interface ReplayCache {
  remember(jti: string, expiresAt: Date): Promise<boolean>;
  /** Takes a remembered jti back: its logout could not be carried out, and a retry of it must count. */
  forget(jti: string): Promise<void>;
}

/**
 * Enough for every logout token a site receives within a token lifetime (oidc-provider's logout
 * tokens live 2 minutes): only the IdP's signed tokens reach the cache.
 */
export const MAX_REMEMBERED_LOGOUT_TOKENS = 10_000;

/**
 * One process's cache. When full of live entries the oldest goes: a replay of that token would
 * then be accepted, which only repeats a logout that already happened.
 */
export function createMemoryReplayCache(options: { maxEntries?: number; now?: () => number } = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? MAX_REMEMBERED_LOGOUT_TOKENS;
  const now = options.now ?? Date.now;
  /** jti -> epoch ms after which it is forgotten; a Map keeps insertion order, oldest first */
  const seen = new Map<string, number>();
  return {
    async remember(jti, expiresAt) {
      // As in MongoDB: a jti that is not a string counts as seen, so its token is refused.
      if (typeof jti !== 'string') return false;
      const at = now();
      const until = seen.get(jti);
      if (until !== undefined && until > at) return false;
      seen.delete(jti);
      if (seen.size >= maxEntries) {
        for (const [key, forgetAt] of seen) if (forgetAt <= at) seen.delete(key);
        for (const key of seen.keys()) {
          if (seen.size < maxEntries) break;
          seen.delete(key);
        }
      }
      seen.set(jti, expiresAt.getTime());
      return true;
    },
    async forget(jti) {
      if (typeof jti === 'string') seen.delete(jti);
    },
  };
}
