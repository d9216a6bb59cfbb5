/**
 * The account model as the rest of the IdP sees it: creating accounts with validated input and
 * a hashed password, and mapping an account to OpenID Connect standard claims.
 */
import { AppError, assertThat } from '../errors.js';
import type { AccountRecord, AccountRepository } from '../storage/types.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';

export interface NewAccountInput {
  email: string;
  name: string;
  password: string;
  givenName?: string;
  familyName?: string;
  emailVerified?: boolean;
}

// Deliberately loose (RFC 5321 allows far more than most regexes); one @, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
/** The longest email EMAIL accepts: 64 + 1 + 255. */
export const MAX_EMAIL_LENGTH = 320;
export const MAX_NAME_LENGTH = 200;

export function assertValidPassword(password: string): void {
  assertThat(password.length >= MIN_PASSWORD_LENGTH, 'invalid_input', `Password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  assertThat(password.length <= MAX_PASSWORD_LENGTH, 'invalid_input', `Password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** A display name, already trimmed: the rule for registration and for an admin's rename. */
export function assertValidName(name: string): void {
  assertThat(name.length > 0 && name.length <= MAX_NAME_LENGTH, 'invalid_input', `Name must be 1 to ${MAX_NAME_LENGTH} characters`);
}

export async function registerAccount(accounts: AccountRepository, input: NewAccountInput): Promise<AccountRecord> {
  const email = input.email.trim();
  const name = input.name.trim();
  assertThat(EMAIL.test(email), 'invalid_input', `"${email}" is not an email address`);
  assertValidName(name);
  assertValidPassword(input.password);
  if (await accounts.findByEmail(email)) throw new AppError('email_taken', 'An account with this email already exists');
  return accounts.create({
    email,
    name,
    givenName: input.givenName,
    familyName: input.familyName,
    emailVerified: input.emailVerified ?? false,
    passwordHash: await hashPassword(input.password),
  });
}
