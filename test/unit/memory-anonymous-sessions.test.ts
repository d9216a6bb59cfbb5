/**
 * The in-memory store caps the sessions nobody signed in on (oidc-provider stores one for every
 * visit to /session/end without a session), evicting the oldest of those, and never a session
 * someone is signed in on.
 */
import { createMemoryStorage } from '../../src/storage/memory/index.js';

it('keeps at most its cap of sessions for nobody, oldest out first, and never evicts a signed-in one', async () => {
  const storage = createMemoryStorage({ anonymousCaps: { Session: 3 } });
  const sessions = storage.modelStore('Session');
  try {
    await sessions.upsert('signed-in', { accountId: 'person-1', authorizations: {} }, 3600);
    for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) await sessions.upsert(id, { state: { secret: id } }, 600);
    expect((await sessions.list()).map(({ id }) => id).sort()).toEqual(['n3', 'n4', 'n5', 'signed-in']);
    // Someone signs in on n3: it no longer counts, and stays.
    await sessions.upsert('n3', { accountId: 'person-2' }, 3600);
    for (const id of ['n6', 'n7']) await sessions.upsert(id, { state: { secret: id } }, 600);
    expect((await sessions.list()).map(({ id }) => id).sort()).toEqual(['n3', 'n5', 'n6', 'n7', 'signed-in']);
    // Many more for nobody: the signed-in ones stay.
    for (let n = 0; n < 100; n += 1) await sessions.upsert(`flood-${n}`, { state: { secret: 'x'.repeat(1000) } }, 600);
    const ids = (await sessions.list()).map(({ id }) => id);
    expect(ids).toEqual(expect.arrayContaining(['signed-in', 'n3']));
    expect(ids).toHaveLength(5);
    // A destroyed one frees its place.
    await sessions.destroy('flood-99');
    await sessions.upsert('after', { state: {} }, 600);
    expect((await sessions.list()).map(({ id }) => id)).toEqual(expect.arrayContaining(['flood-97', 'flood-98', 'after']));
  } finally {
    await storage.close();
  }
});

it('holds at most its character cap of JSON in each capped model, however large a stranger makes each record', async () => {
  const storage = createMemoryStorage({ caps: { Interaction: 1000 }, anonymousCaps: { Session: 1000 }, capChars: 10_000 });
  const [interactions, sessions] = [storage.modelStore('Interaction'), storage.modelStore('Session')];
  const big = 'x'.repeat(1000);
  try {
    await sessions.upsert('signed-in', { accountId: 'person-1', note: 'y'.repeat(20_000) }, 3600);
    for (let n = 0; n < 40; n += 1) {
      await interactions.upsert(`i${n}`, { params: { state: big } }, 600);
      await sessions.upsert(`s${n}`, { state: { state: big } }, 600);
    }
    const held = async (store: typeof sessions) => (await store.list()).filter(({ payload }) => !payload.accountId).map(({ payload }) => JSON.stringify(payload).length);
    for (const store of [interactions, sessions]) {
      const lengths = await held(store);
      expect(lengths.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(10_000);
      expect(lengths.length).toBeGreaterThanOrEqual(8);
    }
    // The newest stay; a signed-in session, however large, is neither counted nor evicted.
    expect((await interactions.list()).map(({ id }) => id)).toContain('i39');
    expect((await sessions.list()).map(({ id }) => id)).toEqual(expect.arrayContaining(['signed-in', 's39']));
  } finally {
    await storage.close();
  }
});
