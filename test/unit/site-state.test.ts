/**
 * What only the in-memory site stores do (everything they share with MongoDB is in
 * test/contract/site-state-contract.ts), and the sites' return-path guard.
 */
import { createMemoryDenyList } from '../../clients/site-b/deny-list.js';
import { createMemoryReplayCache } from '../../clients/shared/state/replay-cache.js';
import { safeReturnTo } from '../../clients/shared/login-transaction.js';

describe('site-b in-memory deny-list', () => {
  it('knows nothing from before it was created, so it refuses every token issued before then, until those have expired', async () => {
    let now = 1_700_000_000_000;
    const createdAt = now;
    const list = createMemoryDenyList({ ttlSeconds: 100, maxEntries: 10, now: () => now });
    now += 5;
    expect(await list.isDenied({ sub: 'u', sid: 's', iat: createdAt / 1000 - 0.001 })).toBe(true);
    expect(await list.isDenied({ sub: 'u', sid: 's', iat: createdAt / 1000 - 3600 })).toBe(true);
    expect(await list.isDenied({ sub: 'u', sid: 's', iat: createdAt / 1000 })).toBe(false);
    expect(await list.isDenied({ sub: 'u', sid: 's', iat: createdAt / 1000 + 0.001 })).toBe(false);
    expect(await list.size()).toBe(0); // the start cut-off is not an entry
    now = createdAt + 100_000;
    expect(await list.isDenied({ sub: 'u', sid: 's', iat: createdAt / 1000 - 0.001 })).toBe(false);
  });
});

describe('in-memory logout-token replay cache', () => {
  it('holds at most maxEntries: the oldest jti is forgotten first', async () => {
    const cache = createMemoryReplayCache({ maxEntries: 3 });
    const expiresAt = new Date(Date.now() + 60_000);
    for (const jti of ['j1', 'j2', 'j3', 'j4']) expect(await cache.remember(jti, expiresAt)).toBe(true);
    expect(await cache.remember('j4', expiresAt)).toBe(false);
    expect(await cache.remember('j3', expiresAt)).toBe(false);
    // j1 made room for j4; accepting it again only repeats a logout that already happened.
    expect(await cache.remember('j1', expiresAt)).toBe(true);
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
