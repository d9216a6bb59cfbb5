/**
 * The account page's passkeys: add one (named by the person; the browser's WebAuthn ceremony runs
 * in /assets/passkeys.js between the two posts) and remove one. Adding asks for the current
 * password first, and the ceremony that follows is bound to this IdP session and expires in five
 * minutes (mfa/passkeys.ts); removing asks for it on the same form. Either change ends every
 * other session of the account (factor-changes.ts).
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { isAppError } from '../errors.js';
import { PASSKEY_SCRIPTS, type Views } from '../http/views.js';
import type { Factors } from '../mfa/factors.js';
import { PASSKEY_NAME_MAX, type Passkeys } from '../mfa/passkeys.js';
import { formField as field, type AccountPage, type FactorChanges } from './factor-changes.js';

export interface PasskeyRoutesDeps extends AccountPage {
  factors: Factors;
  passkeys: Passkeys;
  changes: FactorChanges;
  views: Views;
  forms: Middleware;
  /** Form bodies big enough for a WebAuthn registration response. */
  passkeyForms: Middleware;
}

const NOT_ADDED: Record<string, string> = {
  challenge_used: 'That took too long, or the passkey was already added. Please start again.',
  already_registered: 'That passkey is already registered.',
  not_verified: 'The passkey could not be checked. Please start again.',
  malformed: 'The passkey could not be checked. Please start again.',
};

export function passkeyRoutes(router: Router, deps: PasskeyRoutesDeps): void {
  const { passkeys, views } = deps;
  const { signedInAgain, changed } = deps.changes;

  router.post('/passkeys/start', deps.forms, async (ctx) => {
    const current = await signedInAgain(ctx);
    if (!current) return;
    const name = field(ctx, 'name').slice(0, PASSKEY_NAME_MAX * 4);
    try {
      const options = await passkeys.startRegistration({
        accountId: current.account.id,
        email: current.account.email,
        displayName: current.account.name,
        session: current.session.jti,
        name,
      });
      views.render(ctx, 'passkey-setup', { passkeyOptions: JSON.stringify(options), scripts: PASSKEY_SCRIPTS });
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict') return deps.renderAccount(ctx, current, { factorError: error.message }, 409);
      throw error;
    }
  });

  router.post('/passkeys/finish', deps.passkeyForms, async (ctx) => {
    const current = await deps.signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    let added;
    try {
      added = await passkeys.finishRegistration({ accountId: current.account.id, session: current.session.jti, response: rawCredential(ctx) });
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict') return deps.renderAccount(ctx, current, { factorError: error.message }, 409);
      throw error;
    }
    if (!added.ok) return deps.renderAccount(ctx, current, { factorError: NOT_ADDED[added.reason] ?? NOT_ADDED.not_verified }, 400);
    const [accountId, passkeyId] = [current.account.id, added.id];
    // An admin's reset (a lost device), a password change, a sign-out everywhere or a factor change
    // elsewhere ran while this was written: it may have missed the new passkey, so it goes.
    const ended = await changed(ctx, current, 'passkey_added', () => passkeys.remove(accountId, passkeyId));
    // The first second factor: codes made before it (an earlier version made them without one, or
    // a race left them) were never the person's to keep.
    if ((await passkeys.list(accountId)).length === 1 && !(await deps.factors.hasTotp(accountId))) await deps.factors.dropRecoveryCodes(accountId);
    views.render(ctx, 'factor-changed', { change: 'passkey_added', name: added.name, ended });
  });

  router.post('/passkeys/:id/remove', deps.forms, async (ctx) => {
    const current = await signedInAgain(ctx);
    if (!current) return;
    const accountId = current.account.id;
    if (!(await passkeys.remove(accountId, ctx.params.id!))) return deps.renderAccount(ctx, current, { factorError: 'There is no such passkey on your account.' }, 404);
    // The last second factor gone: the recovery codes have nothing left to stand in for.
    if (!(await passkeys.has(accountId)) && !(await deps.factors.hasTotp(accountId))) await deps.factors.dropRecoveryCodes(accountId);
    const ended = await changed(ctx, current, 'passkey_removed');
    views.render(ctx, 'factor-changed', { change: 'passkey_removed', ended });
  });
}

/** The WebAuthn response is longer than formField's cap for passwords and names. */
function rawCredential(ctx: Context): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.credential;
  return typeof value === 'string' ? value : '';
}
