/**
 * Email + password -> account, or one generic failure. Unknown emails, wrong passwords and
 * disabled accounts all cost one argon2 verification and look the same to the caller, so
 * neither the answer nor its timing tells which accounts exist.
 */
import type { AccountRecord, AccountRepository } from '../storage/types.js';
import { MAX_PASSWORD_LENGTH, type PasswordVerifier } from './passwords.js';

/** `checkedFrom`: when the check began (epoch ms), before the account was read: the sign-in's auth_time. */
export type AuthenticationResult = { ok: true; account: AccountRecord; checkedFrom: number } | { ok: false };

export function createAuthenticator(accounts: AccountRepository, passwords: PasswordVerifier) {
  return async function authenticate(email: string, password: string): Promise<AuthenticationResult> {
    if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH || email.length > 320) {
      await passwords.verifyAgainstDummy(password.slice(0, MAX_PASSWORD_LENGTH));
      return { ok: false };
    }
    const checkedFrom = Date.now();
    const account = await accounts.findByEmail(email);
    if (!account) {
      await passwords.verifyAgainstDummy(password);
      return { ok: false };
    }
    const matches = await passwords.verify(account.passwordHash, password);
    if (!matches || account.disabled) return { ok: false };
    // The check takes tens of milliseconds: a password reset, disable or sign-out-everywhere that
    // landed meanwhile wins, or someone who knew the old password would sign in through the reset.
    const now = await accounts.findById(account.id);
    if (!now || now.disabled || now.passwordHash !== account.passwordHash || now.accessEndedAt?.getTime() !== account.accessEndedAt?.getTime()) return { ok: false };
    return { ok: true, account: now, checkedFrom };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
