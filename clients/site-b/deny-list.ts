/**
 * site-b stores no sessions, so after a back-channel logout it can't delete anything: instead it
 * remembers, for as long as a session token that might carry them can live, the IdP session ids
 * (`sid`) that ended, and for a logout without sid the person (`sub`) with the time of logout.
 * Each request checks its token against this list. The state is tiny, bounded and short-lived:
 * the smallest addition that makes stateless tokens revocable.
 *
 * When the list is full, the oldest entry makes room, but its revocation is not forgotten: every
 * token issued up to that entry's logout is refused from then on (a "cut-off"). Overflowing the
 * list therefore signs some people out early; it never signs anyone back in.
 */
export interface DenyList {
  deny(request: { sid?: string; sub?: string; iat: number }): void;
  /** true for a session token of an ended IdP session, or issued before its holder logged out */
  isDenied(token: { sid?: string; sub: string; iat: number }): boolean;
  size(): number;
}

interface Entry {
  /** epoch seconds of the logout (the logout token's iat) */
  loggedOutAt: number;
  /** epoch ms after which no token that the entry could match is still valid */
  forgetAfter: number;
}

export function createDenyList(options: { ttlSeconds: number; maxEntries: number; now?: () => number }): DenyList {
  const now = options.now ?? Date.now;
  const sids = new Map<string, Entry>();
  const subs = new Map<string, Entry>();
  let cutoff: Entry | undefined;

  function sweep(): void {
    const at = now();
    for (const map of [sids, subs]) for (const [key, entry] of map) if (entry.forgetAfter <= at) map.delete(key);
    if (cutoff && cutoff.forgetAfter <= at) cutoff = undefined;
  }

  function evictOldest(): void {
    // Maps keep insertion order: the first entry of either map is the oldest of that kind.
    const [sidKey, sidEntry] = sids.entries().next().value ?? [];
    const [subKey, subEntry] = subs.entries().next().value ?? [];
    const fromSids = sidEntry && (!subEntry || sidEntry.forgetAfter <= subEntry.forgetAfter);
    const entry = fromSids ? sidEntry : subEntry;
    if (!entry) return;
    if (fromSids) sids.delete(sidKey!);
    else subs.delete(subKey!);
    if (!cutoff || entry.loggedOutAt > cutoff.loggedOutAt) cutoff = { loggedOutAt: entry.loggedOutAt, forgetAfter: entry.forgetAfter };
  }

  return {
    deny({ sid, sub, iat }) {
      if (sids.size + subs.size >= options.maxEntries) sweep();
      while (sids.size + subs.size >= options.maxEntries) evictOldest();
      const entry = { loggedOutAt: iat, forgetAfter: now() + options.ttlSeconds * 1000 };
      if (sid) sids.set(sid, entry);
      else if (sub) subs.set(sub, entry);
    },
    isDenied({ sid, sub, iat }) {
      const at = now();
      const live = (entry: Entry | undefined) => entry !== undefined && entry.forgetAfter > at;
      if (sid && live(sids.get(sid))) return true;
      const person = subs.get(sub);
      if (live(person) && iat <= person!.loggedOutAt) return true;
      return live(cutoff) && iat <= cutoff!.loggedOutAt;
    },
    size() {
      sweep();
      return sids.size + subs.size;
    },
  };
}
