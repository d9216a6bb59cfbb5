/**
 * The account page's authenticator app and recovery codes: set up an app (a QR code and the
 * secret in text, switched on only by a current code), turn it off, and make a new set of
 * recovery codes. Each change asks for the current password again and ends every other session
 * (factor-changes.ts). Passkeys have their own routes (passkey-routes.ts).
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Views } from '../http/views.js';
import type { CodeLimits } from '../mfa/code-limits.js';
import type { Factors } from '../mfa/factors.js';
import type { Passkeys } from '../mfa/passkeys.js';
import { totpUri } from '../mfa/totp.js';
import { formField as field, type AccountPage, type Current, type FactorChanges } from './factor-changes.js';

export interface FactorRoutesDeps extends AccountPage {
  issuer: string;
  factors: Factors;
  passkeys: Passkeys;
  codeLimits: CodeLimits;
  changes: FactorChanges;
  views: Views;
  forms: Middleware;
}

export function factorRoutes(router: Router, deps: FactorRoutesDeps): void {
  const { factors, views } = deps;

  const { reauthenticate, signedInAgain, changed } = deps.changes;

  async function renderSetup(ctx: Context, current: Current, secret: string, error?: string, status = 200) {
    const uri = totpUri(secret, { label: current.account.email, issuer: new URL(deps.issuer).host });
    // An inline <svg> element, not a data: URL image: the page's CSP allows images from our origin only.
    // qrcode (~10 MiB) loads with the first setup page, not at start.
    const { default: QRCode } = await import('qrcode');
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    // The secret in groups of four, easier to type into an app that can't scan.
    views.render(ctx, 'totp-setup', { qrSvg, secret: secret.match(/.{1,4}/g)!.join(' '), error }, status);
  }

  router.post('/totp/start', deps.forms, async (ctx) => {
    const current = await deps.signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    await renderSetup(ctx, current, await factors.startTotp(current.account.id, current.session.jti));
  });

  router.post('/totp/confirm', deps.forms, async (ctx) => {
    const current = await deps.signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    const secret = await factors.pendingTotp(current.account.id, current.session.jti);
    if (!secret) return deps.renderAccount(ctx, current, { factorError: 'That setup took too long. Please start again.' }, 400);
    const refused = await reauthenticate(ctx, current);
    if (refused) return renderSetup(ctx, current, secret, refused.message, refused.status);
    // A signed-in session counts its wrong codes apart, like a known browser: someone failing codes
    // at the account's sign-in must not keep the person from setting the app up again here.
    const admission = await deps.codeLimits.admit(current.account.id, `account:${current.session.jti}`, `session:${current.session.jti}`);
    if (!admission.admitted) {
      ctx.set('Retry-After', String(admission.retryAfterSeconds));
      return renderSetup(ctx, current, secret, `Too many wrong codes. Please wait ${admission.retryAfterSeconds} seconds and try again.`, 429);
    }
    let ok = false;
    try {
      ok = await factors.confirmTotp(current.account.id, current.session.jti, field(ctx, 'code').replace(/\s/g, ''));
    } finally {
      await admission.settle(ok ? 'succeeded' : 'failed');
    }
    if (!ok) return renderSetup(ctx, current, secret, 'That code is not right. Enter the code your app shows now.', 400);
    // As for passkeys (passkey-routes.ts): a reset running meanwhile may have missed the new app.
    const ended = await changed(ctx, current, 'totp_on', () => factors.disableTotp(current.account.id, { keepRecoveryCodes: true }));
    views.render(ctx, 'factor-changed', { change: 'totp_on', ended });
  });

  router.post('/totp/off', deps.forms, async (ctx) => {
    const current = await signedInAgain(ctx);
    if (!current) return;
    // Recovery codes stand in for the passkeys too, while there are any.
    await factors.disableTotp(current.account.id, { keepRecoveryCodes: await deps.passkeys.has(current.account.id) });
    const ended = await changed(ctx, current, 'totp_off');
    views.render(ctx, 'factor-changed', { change: 'totp_off', ended });
  });

  router.post('/recovery-codes', deps.forms, async (ctx) => {
    const current = await signedInAgain(ctx);
    if (!current) return;
    // Codes stand in for a second factor: made without one, they would wait for the first one set
    // up and then pass as it (someone with the password and a session made them unseen).
    if (!(await factors.hasTotp(current.account.id)) && !(await deps.passkeys.has(current.account.id))) {
      return deps.renderAccount(ctx, current, { factorError: 'Recovery codes stand in for a second factor: set up an authenticator app or a passkey first.' }, 409);
    }
    const codes = await factors.newRecoveryCodes(current.account.id);
    // Shown to a session that was ended meanwhile, they are no one's to keep.
    const ended = await changed(ctx, current, 'recovery_codes', () => factors.dropRecoveryCodes(current.account.id));
    views.render(ctx, 'factor-changed', { change: 'recovery_codes', codes, ended });
  });
}
