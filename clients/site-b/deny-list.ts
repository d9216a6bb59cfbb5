/**
 * site-b stores no sessions, so after a back-channel logout it can't delete anything: instead it
 * remembers, for as long as a session token that might carry them can live, the IdP session ids
 * (`sid`) that ended, and for a logout without sid the person (`sub`) with the time of logout.
 * Each request checks its token against this list. The state is tiny, bounded and short-lived:
 * the smallest addition that makes stateless tokens revocable.
 */
export interface DenyList {
  deny(request: { sid?: string; sub?: string; iat: number }): void;
  /** true for a session token issued for an ended IdP session, or before its holder logged out */
  isDenied(token: { sid?: string; sub: string; iat: number }): boolean;
  size(): number;
}

export function createDenyList(options: { ttlSeconds: number; maxEntries: number; now?: () => number }): DenyList {
  const now = options.now ?? Date.now;
  const sids = new Map<string, number>(); // sid -> forget after (ms)
  const subs = new Map<string, { loggedOutAt: number; forgetAfter: number }>();

  function sweep(): void {
    const at = now();
    for (const [sid, until] of sids) if (until <= at) sids.delete(sid);
    for (const [sub, entry] of subs) if (entry.forgetAfter <= at) subs.delete(sub);
  }

  function makeRoom(): void {
    if (sids.size + subs.size < options.maxEntries) return;
    sweep();
    // Still full: the oldest entries go first; they are the closest to expiring anyway.
    for (const key of sids.keys()) {
      if (sids.size + subs.size < options.maxEntries) return;
      sids.delete(key);
    }
  }

  return {
    deny({ sid, sub, iat }) {
      makeRoom();
      const forgetAfter = now() + options.ttlSeconds * 1000;
      if (sid) sids.set(sid, forgetAfter);
      else if (sub) subs.set(sub, { loggedOutAt: iat, forgetAfter });
    },
    isDenied({ sid, sub, iat }) {
      const at = now();
      if (sid && (sids.get(sid) ?? 0) > at) return true;
      const entry = subs.get(sub);
      return entry !== undefined && entry.forgetAfter > at && iat <= entry.loggedOutAt;
    },
    size() {
      sweep();
      return sids.size + subs.size;
    },
  };
}
