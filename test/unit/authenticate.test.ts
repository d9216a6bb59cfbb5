import { createAuthenticator } from '../../src/accounts/authenticate.js';
import { createPasswordVerifier, hashPassword, MAX_PASSWORD_LENGTH, type PasswordVerifier } from '../../src/accounts/passwords.js';
import { createMemoryAccounts } from '../../src/storage/memory/accounts.js';

/** The real verifier, counting how many argon2 verifications of each kind it was asked for. */
function countingVerifier() {
  const real = createPasswordVerifier();
  const calls = { verify: 0, dummy: [] as string[] };
  const verifier: PasswordVerifier = {
    async verify(hash, password) {
      calls.verify += 1;
      return real.verify(hash, password);
    },
    async verifyAgainstDummy(password) {
      calls.dummy.push(password);
      return real.verifyAgainstDummy(password);
    },
  };
  return { verifier, calls };
}

async function setUp() {
  const accounts = createMemoryAccounts();
  const alice = await accounts.create({ email: 'alice@example.com', name: 'Alice', emailVerified: true, passwordHash: await hashPassword('wonderland') });
  const { verifier, calls } = countingVerifier();
  return { accounts, alice, calls, authenticate: createAuthenticator(accounts, verifier) };
}

describe('authenticate', () => {
  it('returns the account for the right email and password', async () => {
    const { authenticate, alice } = await setUp();
    expect(await authenticate('alice@example.com', 'wonderland')).toEqual({ ok: true, account: alice, checkedFrom: expect.any(Number) });
  });

  it('finds the email in any letter case', async () => {
    const { authenticate, alice } = await setUp();
    const result = await authenticate('ALICE@Example.COM', 'wonderland');
    expect(result).toEqual({ ok: true, account: alice, checkedFrom: expect.any(Number) });
  });

  it('fails when the password was changed, or all access ended, while the check ran', async () => {
    for (const change of [{ passwordHash: 'a-new-hash' }, { accessEndedAt: new Date() }, { disabled: true }]) {
      const { accounts, alice } = await setUp();
      const slow = { ...countingVerifier().verifier, verify: async () => (await accounts.update(alice.id, change), true) };
      expect(await createAuthenticator(accounts, slow)('alice@example.com', 'wonderland')).toEqual({ ok: false });
    }
  });

  it('fails with a bare {ok: false} for a wrong password, after one real verification', async () => {
    const { authenticate, calls } = await setUp();
    expect(await authenticate('alice@example.com', 'Wonderland')).toEqual({ ok: false });
    expect(calls).toEqual({ verify: 1, dummy: [] });
  });

  it('fails the same way for an unknown email, after verifying against the dummy hash', async () => {
    const { authenticate, calls } = await setUp();
    expect(await authenticate('mallory@example.com', 'wonderland')).toEqual({ ok: false });
    expect(calls).toEqual({ verify: 0, dummy: ['wonderland'] });
  });

  it('refuses a disabled account even with the right password', async () => {
    const { authenticate, accounts, alice, calls } = await setUp();
    await accounts.update(alice.id, { disabled: true });
    expect(await authenticate('alice@example.com', 'wonderland')).toEqual({ ok: false });
    expect(calls.verify).toBe(1);
  });

  it('refuses an empty password, still paying for one verification', async () => {
    const { authenticate, calls } = await setUp();
    expect(await authenticate('alice@example.com', '')).toEqual({ ok: false });
    expect(calls).toEqual({ verify: 0, dummy: [''] });
  });

  it('refuses an over-long password, verifying only its first MAX_PASSWORD_LENGTH characters', async () => {
    const { authenticate, accounts, calls } = await setUp();
    const long = 'w'.repeat(MAX_PASSWORD_LENGTH + 1);
    await accounts.create({ email: 'long@example.com', name: 'Long', emailVerified: false, passwordHash: await hashPassword(long) });
    expect(await authenticate('long@example.com', long)).toEqual({ ok: false });
    expect(calls.verify).toBe(0);
    expect(calls.dummy.map((password) => password.length)).toEqual([MAX_PASSWORD_LENGTH]);
  });

  it('refuses an email longer than 320 characters', async () => {
    const { authenticate, calls } = await setUp();
    expect(await authenticate(`${'a'.repeat(320)}@example.com`, 'wonderland')).toEqual({ ok: false });
    expect(calls.dummy).toHaveLength(1);
  });
});
