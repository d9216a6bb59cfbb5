/**
 * site-b stores no sessions, so after a back-channel logout it can't delete anything: instead it
 * remembers, for as long as a session token that might carry them can live, the IdP session ids
 * (`sid`) that ended, and for a logout without sid the person (`sub`) with the time of logout.
 * Each request checks its token against this list. The state is tiny, bounded and short-lived:
 * the smallest addition that makes stateless tokens revocable.
 *
 * When the list is full, the oldest entry makes room, but its revocation is not forgotten: every
 * token issued before that entry's logout is refused from then on (a "cut-off"). Overflowing the
 * list therefore signs some people out early; it never signs anyone back in.
 *
 * The contract, for every implementation (test/contract/site-state-contract.ts): the rules above,
 * entries forgotten `ttlSeconds` after the logout, at most `maxEntries` entries, and `size()`
 * counts the live ones.
 */
export interface DenyList {
  /** `iat`: the logout token's, epoch seconds (whole: the logout happened within that second). */
  deny(request: { sid?: string; sub?: string; iat: number }): Promise<void>;
  /** true for a session token of an ended IdP session, or issued before its holder logged out */
  isDenied(token: { sid?: string; sub: string; iat: number }): Promise<boolean>;
  size(): Promise<number>;
}

export interface DenyListOptions {
  /** site-b's session token lifetime: no token outlives an entry kept this long. */
  ttlSeconds: number;
  maxEntries: number;
  now?: () => number;
}

/** The bound on remembered logouts (one entry each, a few dozen bytes). */
export const MAX_DENY_LIST_ENTRIES = 100_000;

/** What an entry (or a cut-off) refuses, and until when it matters. */
export interface Refusal {
  /** epoch seconds, exclusive: tokens issued before this are refused */
  refuseIssuedBefore: number;
  /** epoch ms after which no token the entry could match is still valid */
  forgetAt: number;
}

/**
 * A logout token's `iat` is whole seconds, so the logout happened before `iat + 1`: a token issued
 * within that second may predate it and is refused (early, never late).
 */
export const refusalOf = (logoutIat: number, at: number, ttlSeconds: number): Refusal => ({ refuseIssuedBefore: logoutIat + 1, forgetAt: at + ttlSeconds * 1000 });

/** The later of two refusals in both respects, so merging never un-refuses anything. */
export const widest = (a: Refusal | undefined, b: Refusal): Refusal =>
  a ? { refuseIssuedBefore: Math.max(a.refuseIssuedBefore, b.refuseIssuedBefore), forgetAt: Math.max(a.forgetAt, b.forgetAt) } : b;

/**
 * One process's list. Nothing from before it was created is known to it, so it starts with a
 * cut-off at its own creation: every session token issued before then is refused (until those
 * tokens have expired anyway). After a restart, a person whose IdP session still exists is
 * signed in again silently (prompt=none); a person who signed out meanwhile is not. Shared and
 * restart-proof: the MongoDB list (mongo-deny-list.ts).
 */
export function createMemoryDenyList(options: DenyListOptions): DenyList {
  const now = options.now ?? Date.now;
  const sids = new Map<string, Refusal>();
  const subs = new Map<string, Refusal>();
  const createdAt = now();
  // Session tokens carry iat to the millisecond (session-token.ts), so this is exact.
  let cutoff: Refusal | undefined = { refuseIssuedBefore: createdAt / 1000, forgetAt: createdAt + options.ttlSeconds * 1000 };

  function sweep(): void {
    const at = now();
    for (const map of [sids, subs]) for (const [key, entry] of map) if (entry.forgetAt <= at) map.delete(key);
    if (cutoff && cutoff.forgetAt <= at) cutoff = undefined;
  }

  function evictOldest(): void {
    // Maps keep insertion order: the first entry of either map is the oldest of that kind.
    const [sidKey, sidEntry] = sids.entries().next().value ?? [];
    const [subKey, subEntry] = subs.entries().next().value ?? [];
    const fromSids = sidEntry && (!subEntry || sidEntry.forgetAt <= subEntry.forgetAt);
    const entry = fromSids ? sidEntry : subEntry;
    if (!entry) return;
    if (fromSids) sids.delete(sidKey!);
    else subs.delete(subKey!);
    cutoff = widest(cutoff, entry);
  }

  return {
    async deny({ sid, sub, iat }) {
      const map = sid ? sids : sub ? subs : undefined;
      const key = sid ?? sub;
      if (!map || key === undefined) return;
      const entry = widest(map.get(key), refusalOf(iat, now(), options.ttlSeconds));
      map.delete(key); // re-inserted last: it is now the newest
      if (sids.size + subs.size >= options.maxEntries) sweep();
      while (sids.size + subs.size >= options.maxEntries) evictOldest();
      map.set(key, entry);
    },
    async isDenied({ sid, sub, iat }) {
      const at = now();
      const refuses = (entry: Refusal | undefined) => entry !== undefined && entry.forgetAt > at && iat < entry.refuseIssuedBefore;
      if (sid && (sids.get(sid)?.forgetAt ?? 0) > at) return true;
      return refuses(subs.get(sub)) || refuses(cutoff);
    },
    async size() {
      sweep();
      return sids.size + subs.size;
    },
  };
}
