/**
 * What every change to how an account signs in goes through on the account page (authenticator
 * app, recovery codes, passkeys): the current password asked for again on the same form (a
 * session left open on a shared computer is not enough to change how the account is protected),
 * checked under the sign-in limits; and afterwards every other session of the account ended,
 * keeping this one, and the change recorded.
 */
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { AppError } from '../errors.js';
import { isStillSignedIn } from '../oidc/claims.js';
import type { PasswordSignIn } from '../interactions/password-sign-in.js';
import { waitMessage } from '../interactions/router.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRecord, AccountRepository } from '../storage/types.js';
import type { KnownBrowsers } from '../throttling/device-cookie.js';
import { ACCOUNT_CONSOLE_CLIENT_ID } from './account-sessions.js';
import type { AccessEnder } from './end-access.js';

/** `loginTs` and `uid`: the session's, as isStillSignedIn reads them. */
export type Current = { account: AccountRecord; session: { jti: string; loginTs?: unknown; uid?: unknown } };

/** Why a change made on the account page did not count. */
export const ACCOUNT_CHANGED_MEANWHILE =
  'Your account was changed while you made this change (a new password, all sessions ended, or its second factors changed elsewhere), which signed this session out. Please sign in again.';
export type FactorChange = 'totp_on' | 'totp_off' | 'recovery_codes' | 'passkey_added' | 'passkey_removed';

export const formField = (ctx: Context, name: string) => {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 1024) : '';
};

/** The account page's own two steps, which the factor routes and the changes share. */
export interface AccountPage {
  signedIn(ctx: Context): Promise<Current | undefined>;
  renderAccount(ctx: Context, current: Current, errors?: { factorError?: string }, status?: number): Promise<void>;
}

export interface FactorChangesDeps extends AccountPage {
  provider: () => Provider;
  browsers: KnownBrowsers;
  signIn: PasswordSignIn;
  access: AccessEnder;
  events: SecurityEvents;
  accounts: AccountRepository;
}

export function createFactorChanges(deps: FactorChangesDeps) {
  /** The current password (field `current_password`): undefined when right, else what to tell the person. */
  async function reauthenticate(ctx: Context, current: Current): Promise<{ message: string; status: number } | undefined> {
    const check = await deps.signIn(ctx, {
      email: current.account.email,
      password: formField(ctx, 'current_password'),
      page: `account-factors:${current.session.jti}`,
      prompt: 'login',
      clientId: ACCOUNT_CONSOLE_CLIENT_ID,
      trustedBrowser: `session:${current.session.jti}`,
    });
    if (check.kind === 'signed_in') return undefined;
    if (check.kind === 'incorrect') return { message: 'Your current password is not correct.', status: 400 };
    ctx.set('Retry-After', String(check.retryAfterSeconds));
    return { message: waitMessage(check.retryAfterSeconds), status: check.kind === 'busy' ? 503 : 429 };
  }

  return {
    reauthenticate,

    /**
     * The signed-in person, once their current password on the form checked out; undefined when
     * the request is answered already (sent to sign in, or the account page saying what was wrong).
     */
    async signedInAgain(ctx: Context): Promise<Current | undefined> {
      const current = await deps.signedIn(ctx);
      if (!current) {
        ctx.redirect('/account/login');
        return undefined;
      }
      const refused = await reauthenticate(ctx, current);
      if (!refused) return current;
      await deps.renderAccount(ctx, current, { factorError: refused.message }, refused.status);
      return undefined;
    },

    /**
     * After a change: everyone else is signed out, the change is recorded. But first, read after
     * the change was written: whether this session still counts. A password change, a sign-out
     * everywhere, an admin's reset or a factor change made in another session may have ended it
     * while the change was on its way (the person throwing out whoever else knew the password):
     * then `undo` takes back what the change added (a passkey, an app, codes its holder saw), no
     * other session is ended (that would be the person's), and the request answers "sign in
     * again". A removal can't be undone; it stays, and its session is still refused.
     */
    async changed(ctx: Context, current: Current, change: FactorChange, undo?: () => Promise<unknown>) {
      // The session's record too: sign-in times are whole seconds, and one in the very second of
      // the other change still passes isStillSignedIn, but that change deleted the record.
      const [account, session] = await Promise.all([deps.accounts.findById(current.account.id), deps.provider().Session.find(current.session.jti)]);
      if (!account || !session || !isStillSignedIn(account, current.session.loginTs, current.session.uid)) {
        await undo?.();
        throw new AppError('interaction_expired', ACCOUNT_CHANGED_MEANWHILE);
      }
      const ended = await deps.access.endOthers(current.account.id, current.session.jti);
      // Browsers known before the change are not any more; this one, where it was made, still is.
      deps.browsers.remember(ctx, current.account, Date.now());
      await deps.events.record({ type: 'account.factors_changed', source: ctx.ip, accountId: current.account.id, detail: { change, other_sessions_ended: ended.sessions } });
      return ended;
    },
  };
}

export type FactorChanges = ReturnType<typeof createFactorChanges>;
