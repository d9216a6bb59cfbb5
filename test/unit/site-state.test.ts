import { createSessionStore } from '../../clients/site-a/session-store.js';
import { createDenyList } from '../../clients/site-b/deny-list.js';
import { safeReturnTo } from '../../clients/shared/login-transaction.js';

describe('site-a session store', () => {
  it('forgets a session when it expires', () => {
    let now = 1_000_000;
    const store = createSessionStore({ ttlSeconds: 60, now: () => now });
    const id = store.create({ sub: 'u1', sid: 's1', claims: {} });
    expect(store.get(id)?.sub).toBe('u1');
    now += 60_000;
    expect(store.get(id)).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  it('ends every session of an IdP session (sid), or of a person (sub) when no sid is given', () => {
    const store = createSessionStore({ ttlSeconds: 60 });
    const [a, b, c] = [store.create({ sub: 'u1', sid: 's1', claims: {} }), store.create({ sub: 'u1', sid: 's2', claims: {} }), store.create({ sub: 'u2', sid: 's3', claims: {} })];
    expect(store.destroyWhere({ sid: 's1', sub: 'u1' })).toBe(1);
    expect([store.get(a), store.get(b)?.sid]).toEqual([undefined, 's2']);
    expect(store.destroyWhere({ sub: 'u1' })).toBe(1);
    expect(store.get(b)).toBeUndefined();
    expect(store.get(c)?.sub).toBe('u2');
  });

  it('hands out unguessable ids', () => {
    const store = createSessionStore({ ttlSeconds: 60 });
    const id = store.create({ sub: 'u', claims: {} });
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
  });
});

describe('site-b deny-list', () => {
  it('refuses tokens of an ended IdP session until they have all expired, then forgets it', () => {
    let now = 0;
    const list = createDenyList({ ttlSeconds: 100, maxEntries: 10, now: () => now });
    list.deny({ sid: 's1', iat: 0 });
    expect(list.isDenied({ sid: 's1', sub: 'u', iat: 0 })).toBe(true);
    expect(list.isDenied({ sid: 's2', sub: 'u', iat: 0 })).toBe(false);
    now = 100_000;
    expect(list.isDenied({ sid: 's1', sub: 'u', iat: 0 })).toBe(false);
    expect(list.size()).toBe(0);
  });

  it('for a logout naming only the person, refuses tokens issued up to the logout, not after', () => {
    const list = createDenyList({ ttlSeconds: 100, maxEntries: 10 });
    list.deny({ sub: 'u', iat: 1000 });
    expect(list.isDenied({ sub: 'u', iat: 999 })).toBe(true);
    expect(list.isDenied({ sub: 'u', iat: 1001 })).toBe(false);
    expect(list.isDenied({ sub: 'someone-else', iat: 999 })).toBe(false);
  });

  it('stays within its bound, and an evicted revocation still refuses the tokens it covered', () => {
    const list = createDenyList({ ttlSeconds: 100, maxEntries: 3 });
    for (const [n, sid] of ['s1', 's2', 's3', 's4'].entries()) list.deny({ sid, iat: 1000 + n });
    expect(list.size()).toBe(3);
    // s1 made room: its token (issued before its logout) is still refused, through the cut-off.
    expect(list.isDenied({ sid: 's1', sub: 'u', iat: 999 })).toBe(true);
    // A token issued after that logout, of a session that never ended, still works.
    expect(list.isDenied({ sid: 'fresh', sub: 'u', iat: 1001 })).toBe(false);
    expect(list.isDenied({ sid: 's4', sub: 'u', iat: 5000 })).toBe(true);
  });

  it('bounds logouts without sid too', () => {
    const list = createDenyList({ ttlSeconds: 100, maxEntries: 2 });
    for (const [n, sub] of ['a', 'b', 'c'].entries()) list.deny({ sub, iat: 1000 + n });
    expect(list.size()).toBe(2);
    expect(list.isDenied({ sub: 'a', iat: 999 })).toBe(true);
  });
});

describe('safeReturnTo', () => {
  it('keeps local paths and turns everything else into /', () => {
    expect(safeReturnTo('/account?tab=1')).toBe('/account?tab=1');
    for (const unsafe of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', 42, undefined, `/${'a'.repeat(600)}`]) {
      expect(safeReturnTo(unsafe)).toBe('/');
    }
  });
});
