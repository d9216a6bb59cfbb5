import { createMemoryOidcRecords, MEMORY_RECORD_CAPS } from '../../src/storage/memory/oidc-records.js';

describe('in-memory store caps', () => {
  it('caps interactions, pushed requests and login pages’ passkey challenges by default, and nothing a person or an admin creates', () => {
    expect(MEMORY_RECORD_CAPS).toEqual({ Interaction: 10_000, PushedAuthorizationRequest: 10_000, PasskeyChallenge: 10_000 });
  });

  it('evicts the oldest interaction nobody signed in on, keeping one that is past its login step', async () => {
    const interactions = createMemoryOidcRecords(Date.now, { Interaction: 3 }).modelStore('Interaction');
    await interactions.upsert('signed-in', { uid: 'signed-in', result: { login: { accountId: 'a1' } } }, 60);
    for (const id of ['s1', 's2', 's3', 's4']) await interactions.upsert(id, { uid: id }, 60);
    expect((await interactions.list()).map((r) => r.id).sort()).toEqual(['s3', 's4', 'signed-in']);
  });

  it('leaves models without a cap alone', async () => {
    const sessions = createMemoryOidcRecords(Date.now, { Interaction: 1 }).modelStore('Session');
    for (let n = 0; n < 5; n += 1) await sessions.upsert(`s${n}`, { uid: `u${n}` }, 60);
    expect(await sessions.list()).toHaveLength(5);
  });
});

describe('in-memory store sweep', () => {
  it('drops expired records of every model, with their indexes, and keeps the live ones', async () => {
    let now = 1_000_000;
    const records = createMemoryOidcRecords(() => now);
    await records.modelStore('Session').upsert('old', { uid: 'u-old', accountId: 'a' }, 60);
    await records.modelStore('AccessToken').upsert('old-token', { grantId: 'g1' }, 60);
    await records.modelStore('Session').upsert('new', { uid: 'u-new', accountId: 'a' }, 600);
    await records.modelStore('Client').upsert('client', { client_id: 'client' });
    now += 61_000;
    expect(records.sweep()).toBe(2);
    expect(records.sweep()).toBe(0);
    expect((await records.modelStore('Session').list()).map((r) => r.id)).toEqual(['new']);
    expect(await records.modelStore('Client').find('client')).toBeDefined();
  });
});

describe('in-memory store lookups by account', () => {
  it("reads only the account's own records, however many other accounts hold", async () => {
    // Every live record read looks at the clock once (is it expired?): the count of reads.
    let clockReads = 0;
    const passkeys = createMemoryOidcRecords(() => {
      clockReads += 1;
      return 1_000_000;
    }).modelStore('Passkey');
    for (let n = 0; n < 1_000; n += 1) await passkeys.upsert(`other-${n}`, { accountId: `account-${n}` }, 60);
    await passkeys.upsert('mine', { accountId: 'me' }, 60);
    clockReads = 0;
    expect(await passkeys.findByAccountId('me')).toEqual([{ id: 'mine', payload: { accountId: 'me' } }]);
    expect(clockReads).toBe(1);
    expect(await passkeys.findByAccountId('nobody')).toEqual([]);
    expect(clockReads).toBe(1);
  });

  it('forgets an account whose records expired, once they are swept', async () => {
    let now = 1_000_000;
    const records = createMemoryOidcRecords(() => now);
    await records.modelStore('Session').upsert('gone', { accountId: 'a' }, 60);
    now += 61_000;
    expect(records.sweep()).toBe(1);
    await records.modelStore('Session').upsert('back', { accountId: 'a' }, 60);
    // The swept id written again for someone else is theirs alone.
    await records.modelStore('Session').upsert('gone', { accountId: 'b' }, 60);
    expect(await records.modelStore('Session').findByAccountId('a')).toEqual([{ id: 'back', payload: { accountId: 'a' } }]);
    expect(await records.modelStore('Session').findByAccountId('b')).toEqual([{ id: 'gone', payload: { accountId: 'b' } }]);
  });
});
