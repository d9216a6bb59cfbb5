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

/**
 * Disabled accounts are not found, so their sessions and tokens stop working at once. Neither is
 * an account for a sign-in older than its last "end all access" (end-access.ts), or than its last
 * "end every other session" for any session but the one kept then: oidc-provider
 * asks with a token (code, refresh or access token: its authTime, else iat) or, at the
 * authorization endpoint, with the session (its loginTs). Whole seconds, as those times are: a
 * sign-in in the very second access ended still counts, so nobody is refused who signed in anew.
 */
export function createFindAccount(accounts: AccountRepository): FindAccount {
  return async (ctx, sub, token) => {
    const account = await accounts.findById(sub);
    const timed = token as { authTime?: unknown; iat?: unknown; sessionUid?: unknown } | undefined;
    const session = token ? undefined : ctx.oidc?.session;
    const signedInAt = token ? (timed?.authTime ?? timed?.iat) : session?.loginTs;
    const sessionUid = token ? timed?.sessionUid : session?.uid;
    if (account && isStillSignedIn(account, signedInAt, sessionUid)) return { accountId: account.id, claims: () => claimsOf(account) };
    // oidc-provider goes on as if the session's account were there (and fails on the missing
    // grant): a session whose sign-in no longer counts becomes a session without one, so the
    // person is asked to sign in (prompt=none: login_required).
    if (session?.accountId === sub) forgetSignIn(session);
    return undefined;
  };
}

/**
 * The account may be used by someone who signed in at `signedInAt` (epoch seconds, when known) in
 * the IdP session `sessionUid` (its uid, which tokens carry as sessionUid): not after all access
 * ended since, nor after every other session ended since (a changed second factor) unless this
 * is the session kept then.
 */
export function isStillSignedIn(account: AccountRecord, signedInAt: unknown, sessionUid?: unknown): boolean {
  if (account.disabled) return false;
  if (typeof signedInAt !== 'number') return true;
  const before = (moment: Date | undefined) => moment !== undefined && signedInAt < Math.floor(moment.getTime() / 1000);
  if (before(account.accessEndedAt)) return false;
  return !(before(account.otherSessionsEndedAt) && sessionUid !== account.keptSessionUid);
}

/**
 * Deleted rather than set: oidc-provider's session proxy refuses an empty accountId; the session
 * is saved without them at the end of the request (its authorizations go with the sign-in).
 */
function forgetSignIn(session: object): void {
  for (const field of ['accountId', 'loginTs', 'amr', 'acr']) Reflect.deleteProperty(session, field);
  Reflect.set(session, 'authorizations', {});
}
