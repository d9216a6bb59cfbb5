import { registerAccount, type NewAccountInput } from '../../src/accounts/accounts.js';
import { verifyPassword } from '../../src/accounts/passwords.js';
import { AppError } from '../../src/errors.js';
import { createMemoryAccounts } from '../../src/storage/memory/accounts.js';

const alice: NewAccountInput = { email: 'alice@example.com', name: 'Alice', password: 'wonderland' };

describe('registerAccount', () => {
  it('stores the account with a normalized email, trimmed name and a hash of the password', async () => {
    const accounts = createMemoryAccounts();
    const created = await registerAccount(accounts, { ...alice, email: '  Alice@Example.COM ', name: ' Alice ', givenName: 'Alice', familyName: 'Liddell' });
    const stored = await accounts.findById(created.id);
    expect(stored).toMatchObject({ email: 'alice@example.com', name: 'Alice', givenName: 'Alice', familyName: 'Liddell', emailVerified: false, disabled: false });
    expect(stored!.passwordHash).not.toContain('wonderland');
    expect(await verifyPassword(stored!.passwordHash, 'wonderland')).toBe(true);
  });

  it('keeps emailVerified when the caller vouches for the email', async () => {
    const created = await registerAccount(createMemoryAccounts(), { ...alice, emailVerified: true });
    expect(created.emailVerified).toBe(true);
  });

  it.each([
    ['an email without @', { email: 'alice.example.com' }, 'is not an email address'],
    ['an email with a space', { email: 'alice smith@example.com' }, 'is not an email address'],
    ['an email with two @', { email: 'alice@home@example.com' }, 'is not an email address'],
    ['a blank name', { name: '   ' }, 'Name must be 1 to 200 characters'],
    ['a name over 200 characters', { name: 'A'.repeat(201) }, 'Name must be 1 to 200 characters'],
    ['a password under 8 characters', { password: 'seven77' }, 'Password must be at least 8 characters'],
    ['a password over 1024 characters', { password: 'p'.repeat(1025) }, 'Password must be at most 1024 characters'],
  ])('refuses %s with invalid_input and stores nothing', async (_case, change, message) => {
    const accounts = createMemoryAccounts();
    const failure = registerAccount(accounts, { ...alice, ...change });
    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid_input', status: 400, message: expect.stringContaining(message) });
    expect(await accounts.list()).toEqual([]);
  });

  it('refuses an email that exists in another letter case with email_taken', async () => {
    const accounts = createMemoryAccounts();
    await registerAccount(accounts, alice);
    await expect(registerAccount(accounts, { ...alice, email: 'ALICE@example.com', name: 'Other Alice' })).rejects.toMatchObject({ code: 'email_taken', status: 409 });
    expect(await accounts.list()).toHaveLength(1);
  });
});
