/**
 * site-a's server-side sessions: the browser holds only a random id; everything about the person
 * lives here. This is the "sessions" approach: easy to revoke (delete the entry), but the store
 * must be shared once the site runs on more than one process.
 */
import { randomBytes } from 'node:crypto';

export interface SiteSession {
  sub: string;
  /** The IdP's session id (`sid` claim), for back-channel logout. */
  sid?: string;
  claims: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  create(data: Omit<SiteSession, 'createdAt' | 'expiresAt'>): string;
  get(id: string | undefined): SiteSession | undefined;
  destroy(id: string | undefined): void;
  size(): number;
}

export function createSessionStore(options: { ttlSeconds: number; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, SiteSession>();

  function sweep(): void {
    const at = now();
    for (const [id, session] of sessions) if (session.expiresAt <= at) sessions.delete(id);
  }

  return {
    create(data) {
      if (sessions.size % 1000 === 999) sweep();
      const id = randomBytes(32).toString('base64url');
      const at = now();
      sessions.set(id, { ...data, createdAt: at, expiresAt: at + options.ttlSeconds * 1000 });
      return id;
    },
    get(id) {
      if (!id) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    destroy(id) {
      if (id) sessions.delete(id);
    },
    size() {
      sweep();
      return sessions.size;
    },
  };
}
