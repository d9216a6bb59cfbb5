/**
 * site-a's server-side sessions: the browser holds only a random id; everything about the person
 * lives here. This is the "sessions" approach: revoking is deleting an entry (back-channel logout
 * finds them by the IdP's `sid` or by `sub`), but the store must be shared once the site runs on
 * more than one process.
 */
import { randomBytes } from 'node:crypto';

export interface SiteSession {
  sub: string;
  /** The IdP's session id (`sid` claim), for back-channel logout. */
  sid?: string;
  claims: Record<string, unknown>;
  /** Sent back as id_token_hint when signing out at the IdP. */
  idToken?: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  create(data: Omit<SiteSession, 'createdAt' | 'expiresAt'>): string;
  get(id: string | undefined): SiteSession | undefined;
  destroy(id: string | undefined): void;
  /** Back-channel logout: every session of an IdP session, or of a person. Returns how many. */
  destroyWhere(match: { sid?: string; sub?: string }): number;
  size(): number;
}

export function createSessionStore(options: { ttlSeconds: number; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, SiteSession>();
  const bySid = new Map<string, Set<string>>();
  const bySub = new Map<string, Set<string>>();

  const index = (map: Map<string, Set<string>>, key: string | undefined, id: string) => {
    if (!key) return;
    const ids = map.get(key) ?? new Set<string>();
    ids.add(id);
    map.set(key, ids);
  };
  const unindex = (map: Map<string, Set<string>>, key: string | undefined, id: string) => {
    if (!key) return;
    map.get(key)?.delete(id);
    if (map.get(key)?.size === 0) map.delete(key);
  };

  function destroy(id: string | undefined): void {
    const session = id === undefined ? undefined : sessions.get(id);
    if (!id || !session) return;
    sessions.delete(id);
    unindex(bySid, session.sid, id);
    unindex(bySub, session.sub, id);
  }

  function sweep(): void {
    const at = now();
    for (const [id, session] of sessions) if (session.expiresAt <= at) destroy(id);
  }

  return {
    create(data) {
      if (sessions.size % 1000 === 999) sweep();
      const id = randomBytes(32).toString('base64url');
      const at = now();
      sessions.set(id, { ...data, createdAt: at, expiresAt: at + options.ttlSeconds * 1000 });
      index(bySid, data.sid, id);
      index(bySub, data.sub, id);
      return id;
    },
    get(id) {
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        destroy(id);
        return undefined;
      }
      return session;
    },
    destroy,
    destroyWhere({ sid, sub }) {
      const ids = new Set([...(sid ? (bySid.get(sid) ?? []) : []), ...(!sid && sub ? (bySub.get(sub) ?? []) : [])]);
      for (const id of ids) destroy(id);
      return ids.size;
    },
    size() {
      sweep();
      return sessions.size;
    },
  };
}
