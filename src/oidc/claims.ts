/**
 * Scopes -> standard claims (OpenID Connect Core 1.0 section 5.4) and the account lookup
 * oidc-provider calls. `sub` is the account's opaque id, never the email.
 */
import type { FindAccount } from 'oidc-provider';
import type { AccountRecord, AccountRepository } from '../storage/types.js';

export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'updated_at'],
  email: ['email', 'email_verified'],
} as const;

export interface StandardClaims {
  sub: string;
  name: string;
  given_name?: string;
  family_name?: string;
  updated_at: number;
  email: string;
  email_verified: boolean;
  [claim: string]: unknown;
}

/** Every claim we hold for the account; oidc-provider filters them by the granted scopes and claims. */
export function claimsOf(account: AccountRecord): StandardClaims {
  return {
    sub: account.id,
    name: account.name,
    ...(account.givenName ? { given_name: account.givenName } : {}),
    ...(account.familyName ? { family_name: account.familyName } : {}),
    updated_at: Math.floor(account.updatedAt.getTime() / 1000),
    email: account.email,
    email_verified: account.emailVerified,
  };
}

/** Disabled accounts are not found, so their sessions and tokens stop working at once. */
export function createFindAccount(accounts: AccountRepository): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    return { accountId: account.id, claims: () => claimsOf(account) };
  };
}
