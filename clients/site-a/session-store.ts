/**
 * site-a's server-side sessions: the browser holds only a random id; everything about the person
 * lives here. This is the "sessions" approach: revoking is deleting an entry (back-channel logout
 * finds them by the IdP's `sid` or by `sub`), but the store must be shared once the site runs on
 * more than one process (mongo-session-store.ts).
 *
 * Bounded: anyone with an account can sign in again and again, and each sign-in is a session, so
 * at most `maxSessions` are kept (SITE_A_MAX_SESSIONS). When full, the oldest session goes: its
 * owner is signed out early (and, with an IdP session, signed in again silently); nobody is ever
 * signed in by the eviction.
 *
 * The contract, for every implementation (test/contract/site-state-contract.ts): ids are 256-bit
 * random, an expired session is never returned, the bound holds and the oldest goes first.
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

export type NewSession = Omit<SiteSession, 'createdAt' | 'expiresAt'>;

export interface SessionStore {
  create(data: NewSession): Promise<string>;
  get(id: string | undefined): Promise<SiteSession | undefined>;
  destroy(id: string | undefined): Promise<void>;
  /** Back-channel logout: every session of an IdP session, or of a person. Returns how many. */
  destroyWhere(match: { sid?: string; sub?: string }): Promise<number>;
  size(): Promise<number>;
}

export interface SessionStoreOptions {
  ttlSeconds: number;
  maxSessions: number;
  now?: () => number;
}

export const DEFAULT_MAX_SESSIONS = 100_000;

/** 32 random bytes: guessing a live session id is out of reach (OWASP: at least 64 bits). */
export const newSessionId = (): string => randomBytes(32).toString('base64url');
/** What newSessionId makes; anything else is not looked up at all. */
export const isSessionId = (id: string | undefined): id is string => typeof id === 'string' && /^[A-Za-z0-9_-]{43}$/.test(id);

export function createMemorySessionStore(options: SessionStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  /** A Map keeps insertion order: the first entry is the oldest session. */
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

  function remove(id: string): void {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    unindex(bySid, session.sid, id);
    unindex(bySub, session.sub, id);
  }

  function sweep(): void {
    const at = now();
    for (const [id, session] of sessions) if (session.expiresAt <= at) remove(id);
  }

  return {
    async create(data) {
      if (sessions.size >= options.maxSessions) sweep();
      for (const oldest of sessions.keys()) {
        if (sessions.size < options.maxSessions) break;
        remove(oldest);
      }
      const id = newSessionId();
      const at = now();
      sessions.set(id, { ...data, createdAt: at, expiresAt: at + options.ttlSeconds * 1000 });
      index(bySid, data.sid, id);
      index(bySub, data.sub, id);
      return id;
    },
    async get(id) {
      const session = isSessionId(id) ? sessions.get(id) : undefined;
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        remove(id!);
        return undefined;
      }
      return session;
    },
    async destroy(id) {
      if (isSessionId(id)) remove(id);
    },
    async destroyWhere({ sid, sub }) {
      const ids = new Set([...(sid ? (bySid.get(sid) ?? []) : []), ...(!sid && sub ? (bySub.get(sub) ?? []) : [])]);
      for (const id of ids) remove(id);
      return ids.size;
    },
    async size() {
      sweep();
      return sessions.size;
    },
  };
}
