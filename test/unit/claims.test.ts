import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import { CLAIMS_BY_SCOPE, claimsOf, createFindAccount } from '../../src/oidc/claims.js';
import { createMemoryAccounts } from '../../src/storage/memory/accounts.js';
import type { AccountRecord } from '../../src/storage/types.js';

const record: AccountRecord = {
  id: 'd3b07384-d113-4ec4-9f3a-6f1c2b7e0a11',
  email: 'alice@example.com',
  name: 'Alice Liddell',
  givenName: 'Alice',
  familyName: 'Liddell',
  emailVerified: true,
  passwordHash: '$argon2id$not-used-here',
  disabled: false,
  createdAt: new Date('2030-01-01T00:00:00.000Z'),
  updatedAt: new Date('2030-01-02T03:04:05.678Z'),
};

describe('CLAIMS_BY_SCOPE', () => {
  it('maps each scope to its OpenID Connect standard claims', () => {
    expect(CLAIMS_BY_SCOPE).toEqual({
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'updated_at'],
      email: ['email', 'email_verified'],
    });
  });
});

describe('claimsOf', () => {
  it('gives every claim, with the account id as sub and updated_at in epoch seconds', () => {
    expect(claimsOf(record)).toEqual({
      sub: record.id,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      updated_at: Date.UTC(2030, 0, 2, 3, 4, 5) / 1000,
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('never uses the email as sub and never exposes the password hash', () => {
    const claims = claimsOf(record);
    expect(claims.sub).not.toBe(record.email);
    expect(Object.values(claims)).not.toContain(record.passwordHash);
  });

  it('leaves out given_name and family_name when the account has none', () => {
    const { givenName: _given, familyName: _family, ...withoutNames } = record;
    const claims = claimsOf(withoutNames);
    expect(claims).not.toHaveProperty('given_name');
    expect(claims).not.toHaveProperty('family_name');
  });
});

describe('createFindAccount', () => {
  const ctx = {} as KoaContextWithOIDC;

  async function setUp() {
    const accounts = createMemoryAccounts();
    const alice = await accounts.create({ email: 'alice@example.com', name: 'Alice', emailVerified: true, passwordHash: 'x' });
    return { accounts, alice, findAccount: createFindAccount(accounts) };
  }

  it('finds an account by its id and serves its claims', async () => {
    const { alice, findAccount } = await setUp();
    const found = (await findAccount(ctx, alice.id)) as Account;
    expect(found.accountId).toBe(alice.id);
    expect(await found.claims('id_token', 'openid email', {}, [])).toMatchObject({ sub: alice.id, email: 'alice@example.com' });
  });

  it('finds nothing for an unknown id, nor for an email used as the id', async () => {
    const { findAccount } = await setUp();
    expect(await findAccount(ctx, 'no-such-account')).toBeUndefined();
    expect(await findAccount(ctx, 'alice@example.com')).toBeUndefined();
  });

  it('finds nothing for a disabled account', async () => {
    const { accounts, alice, findAccount } = await setUp();
    await accounts.update(alice.id, { disabled: true });
    expect(await findAccount(ctx, alice.id)).toBeUndefined();
  });
});
