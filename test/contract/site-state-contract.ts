/**
 * The contract of the sample sites' own stores: site-a's sessions, site-b's deny-list and the
 * logout-token replay cache. One suite, run against every backend by site-state.test.ts. "Another
 * process" is the same store opened again: the same object in memory, a second connection to the
 * same database for MongoDB.
 */
import { randomUUID } from 'node:crypto';
import type { SessionStore, SessionStoreOptions } from '../../clients/site-a/session-store.js';
import type { DenyList, DenyListOptions } from '../../clients/site-b/deny-list.js';
import type { ReplayCache } from '../../clients/shared/state/replay-cache.js';

/** Which of two processes sharing the store opens it. */
export type Process = 1 | 2;

export interface SiteStoreBackend {
  name: string;
  /** `namespace` (a client id) keeps tests apart; the same namespace is the same store. */
  sessions(namespace: string, options: SessionStoreOptions, process?: Process): Promise<SessionStore>;
  denyList(namespace: string, options: DenyListOptions, process?: Process): Promise<DenyList>;
  replays(namespace: string, now?: () => number, process?: Process): Promise<ReplayCache>;
  close(): Promise<void>;
}

/** A clock the test moves; it starts now, so MongoDB's TTL monitor never removes what a test still reads. */
function testClock() {
  let at = Date.now();
  return { now: () => at, advance: (ms: number) => (at += ms), seconds: () => at / 1000 };
}

export function describeSiteStoreContract(backend: SiteStoreBackend): void {
  describe(`site state contract: ${backend.name}`, () => {
    afterAll(() => backend.close());
    const namespace = () => `contract-${randomUUID()}`;

    describe('site-a sessions', () => {
      it('returns what was stored, and nothing for an unknown or malformed id', async () => {
        const store = await backend.sessions(namespace(), { ttlSeconds: 60, maxSessions: 10 });
        const claims = { name: 'Alice', '$where': 'odd', 'a.b': { nested: [1, 2] } };
        const id = await store.create({ sub: 'u1', sid: 's1', claims, idToken: 'id.token.here' });
        expect(await store.get(id)).toMatchObject({ sub: 'u1', sid: 's1', claims, idToken: 'id.token.here' });
        const oneCharacterOff = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
        for (const unknown of [undefined, '', 'x', oneCharacterOff, `${id}x`, '$where', '{"$ne":null}']) {
          expect(await store.get(unknown)).toBeUndefined();
        }
      });

      it('hands out distinct 256-bit random ids', async () => {
        const store = await backend.sessions(namespace(), { ttlSeconds: 60, maxSessions: 10 });
        const ids = await Promise.all([1, 2, 3].map(() => store.create({ sub: 'u', claims: {} })));
        expect(new Set(ids).size).toBe(3);
        for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
      });

      it('never returns an expired session, and does not count it', async () => {
        const clock = testClock();
        const store = await backend.sessions(namespace(), { ttlSeconds: 60, maxSessions: 10, now: clock.now });
        const id = await store.create({ sub: 'u1', sid: 's1', claims: {} });
        clock.advance(59_999);
        expect((await store.get(id))?.sub).toBe('u1');
        clock.advance(1);
        expect(await store.get(id)).toBeUndefined();
        expect(await store.size()).toBe(0);
      });

      it('ends one session, every session of an IdP session (sid), or of a person (sub) when no sid is given', async () => {
        const store = await backend.sessions(namespace(), { ttlSeconds: 60, maxSessions: 10 });
        const a = await store.create({ sub: 'u1', sid: 's1', claims: {} });
        const b = await store.create({ sub: 'u1', sid: 's2', claims: {} });
        const c = await store.create({ sub: 'u2', sid: 's3', claims: {} });
        const d = await store.create({ sub: 'u2', claims: {} });
        expect(await store.destroyWhere({ sid: 's1', sub: 'u1' })).toBe(1);
        expect([await store.get(a), (await store.get(b))?.sid]).toEqual([undefined, 's2']);
        expect(await store.destroyWhere({ sub: 'u1' })).toBe(1);
        expect(await store.get(b)).toBeUndefined();
        await store.destroy(d);
        expect(await store.get(d)).toBeUndefined();
        expect((await store.get(c))?.sub).toBe('u2');
        expect(await store.destroyWhere({})).toBe(0);
      });

      it('keeps at most maxSessions: the oldest go first, the newest stay', async () => {
        const clock = testClock();
        const store = await backend.sessions(namespace(), { ttlSeconds: 600, maxSessions: 5, now: clock.now });
        const ids: string[] = [];
        for (let n = 0; n < 8; n += 1) {
          ids.push(await store.create({ sub: `u${n}`, claims: {} }));
          clock.advance(1);
        }
        expect(await store.size()).toBe(5);
        for (const id of ids.slice(0, 3)) expect(await store.get(id)).toBeUndefined();
        for (const [n, id] of ids.slice(3).entries()) expect((await store.get(id))?.sub).toBe(`u${n + 3}`);
      });

      it('is one store for every process that opens it', async () => {
        const shared = namespace();
        const first = await backend.sessions(shared, { ttlSeconds: 60, maxSessions: 10 }, 1);
        const second = await backend.sessions(shared, { ttlSeconds: 60, maxSessions: 10 }, 2);
        const id = await first.create({ sub: 'u1', sid: 's1', claims: { name: 'Alice' } });
        expect((await second.get(id))?.claims).toEqual({ name: 'Alice' });
        expect(await second.destroyWhere({ sid: 's1' })).toBe(1);
        expect(await first.get(id)).toBeUndefined();
      });
    });

    describe('site-b deny-list', () => {
      it('refuses every token of an ended IdP session until they have all expired, then forgets it', async () => {
        const clock = testClock();
        const list = await backend.denyList(namespace(), { ttlSeconds: 100, maxEntries: 10, now: clock.now });
        const issued = clock.seconds();
        clock.advance(5000);
        await list.deny({ sid: 's1', iat: Math.floor(clock.seconds()) });
        expect(await list.isDenied({ sid: 's1', sub: 'u', iat: issued })).toBe(true);
        expect(await list.isDenied({ sid: 's2', sub: 'u', iat: issued })).toBe(false);
        expect(await list.size()).toBe(1);
        clock.advance(100_000);
        expect(await list.isDenied({ sid: 's1', sub: 'u', iat: issued })).toBe(false);
        expect(await list.size()).toBe(0);
      });

      it('for a logout naming only the person, refuses tokens issued before the end of the logout second, not after', async () => {
        const clock = testClock();
        const list = await backend.denyList(namespace(), { ttlSeconds: 100, maxEntries: 10, now: clock.now });
        const logout = Math.floor(clock.seconds()) + 10;
        await list.deny({ sub: 'u', iat: logout });
        expect(await list.isDenied({ sub: 'u', iat: logout - 1 })).toBe(true);
        expect(await list.isDenied({ sub: 'u', iat: logout + 0.999 })).toBe(true);
        expect(await list.isDenied({ sub: 'u', iat: logout + 1 })).toBe(false);
        expect(await list.isDenied({ sub: 'someone-else', iat: logout - 1 })).toBe(false);
      });

      it('never narrows a refusal: a late-arriving older logout keeps the later one', async () => {
        const clock = testClock();
        const list = await backend.denyList(namespace(), { ttlSeconds: 100, maxEntries: 10, now: clock.now });
        const t = Math.floor(clock.seconds()) + 10;
        await list.deny({ sub: 'u', iat: t + 20 });
        await list.deny({ sub: 'u', iat: t });
        expect(await list.isDenied({ sub: 'u', iat: t + 10 })).toBe(true);
      });

      it('stays within its bound, and an evicted revocation still refuses the tokens it covered', async () => {
        const clock = testClock();
        const list = await backend.denyList(namespace(), { ttlSeconds: 100, maxEntries: 3, now: clock.now });
        const t = Math.floor(clock.seconds()) + 10;
        for (const [n, sid] of ['s1', 's2', 's3', 's4'].entries()) {
          await list.deny({ sid, iat: t + n });
          clock.advance(1);
        }
        expect(await list.size()).toBe(3);
        // s1 made room: its token (issued before its logout) is still refused, through the cut-off.
        expect(await list.isDenied({ sid: 's1', sub: 'u', iat: t - 1 })).toBe(true);
        // A token issued after that logout, of a session that never ended, still works.
        expect(await list.isDenied({ sid: 'fresh', sub: 'u', iat: t + 1 })).toBe(false);
        expect(await list.isDenied({ sid: 's4', sub: 'u', iat: t + 50 })).toBe(true);
      });

      it('bounds logouts without sid too', async () => {
        const clock = testClock();
        const list = await backend.denyList(namespace(), { ttlSeconds: 100, maxEntries: 2, now: clock.now });
        const t = Math.floor(clock.seconds()) + 10;
        for (const [n, sub] of ['a', 'b', 'c'].entries()) {
          await list.deny({ sub, iat: t + n });
          clock.advance(1);
        }
        expect(await list.size()).toBe(2);
        expect(await list.isDenied({ sub: 'a', iat: t - 1 })).toBe(true);
      });

      it('is one list for every process that opens it', async () => {
        const shared = namespace();
        const options = { ttlSeconds: 100, maxEntries: 10 };
        const first = await backend.denyList(shared, options, 1);
        const second = await backend.denyList(shared, options, 2);
        const issued = Date.now() / 1000;
        await first.deny({ sid: 'ended', iat: Math.floor(issued) + 1 });
        expect(await second.isDenied({ sid: 'ended', sub: 'u', iat: issued })).toBe(true);
      });
    });

    describe('logout-token replay cache', () => {
      it('accepts a jti once and refuses it again until it expires', async () => {
        const clock = testClock();
        const cache = await backend.replays(namespace(), clock.now);
        const expiresAt = new Date(clock.now() + 60_000);
        expect(await cache.remember('jti-1', expiresAt)).toBe(true);
        expect(await cache.remember('jti-1', expiresAt)).toBe(false);
        expect(await cache.remember('jti-2', expiresAt)).toBe(true);
        clock.advance(60_000);
        expect(await cache.remember('jti-1', new Date(clock.now() + 60_000))).toBe(true);
        expect(await cache.remember('jti-1', new Date(clock.now() + 60_000))).toBe(false);
      });

      it('lets exactly one of many concurrent attempts with one jti through, across processes', async () => {
        const shared = namespace();
        const caches = [await backend.replays(shared, undefined, 1), await backend.replays(shared, undefined, 2)];
        const expiresAt = new Date(Date.now() + 60_000);
        const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => caches[n % 2]!.remember('raced', expiresAt)));
        expect(answers.filter(Boolean)).toHaveLength(1);
      });

      it('accepts a jti again once it is forgotten (its logout could not be carried out), and only that one', async () => {
        const cache = await backend.replays(namespace());
        const expiresAt = new Date(Date.now() + 60_000);
        expect(await cache.remember('jti-1', expiresAt)).toBe(true);
        expect(await cache.remember('jti-2', expiresAt)).toBe(true);
        await cache.forget('jti-1');
        await cache.forget({ $ne: null } as unknown as string);
        expect(await cache.remember('jti-1', expiresAt)).toBe(true);
        expect(await cache.remember('jti-2', expiresAt)).toBe(false);
      });
    });
  });
}
