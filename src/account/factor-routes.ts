/**
 * The account page's second factors: set up an authenticator app (a QR code and the secret in
 * text, switched on only by a current code), turn it off, and make a new set of recovery codes.
 * Each change asks for the current password again on the same form (a session left open on a
 * shared computer is not enough to change how the account is protected), is throttled like any
 * password check, and ends every other session of the account, keeping this one.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import QRCode from 'qrcode';
import type { Views } from '../http/views.js';
import type { PasswordSignIn } from '../interactions/password-sign-in.js';
import { waitMessage } from '../interactions/router.js';
import type { CodeLimits } from '../mfa/code-limits.js';
import type { Factors } from '../mfa/factors.js';
import { totpUri } from '../mfa/totp.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRecord } from '../storage/types.js';
import { ACCOUNT_CONSOLE_CLIENT_ID } from './account-sessions.js';
import type { AccessEnder } from './end-access.js';

type Current = { account: AccountRecord; session: { jti: string } };

export interface FactorRoutesDeps {
  issuer: string;
  factors: Factors;
  codeLimits: CodeLimits;
  signIn: PasswordSignIn;
  access: AccessEnder;
  events: SecurityEvents;
  views: Views;
  forms: Middleware;
  signedIn(ctx: Context): Promise<Current | undefined>;
  renderAccount(ctx: Context, current: Current, errors?: { factorError?: string }, status?: number): Promise<void>;
}

const field = (ctx: Context, name: string) => {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 1024) : '';
};

export function factorRoutes(router: Router, deps: FactorRoutesDeps): void {
  const { factors, views } = deps;

  /** The current password, checked under the sign-in limits: undefined when right, else what to tell the person. */
  async function reauthenticate(ctx: Context, current: Current): Promise<{ message: string; status: number } | undefined> {
    const check = await deps.signIn(ctx, {
      email: current.account.email,
      password: field(ctx, 'current_password'),
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

  async function renderSetup(ctx: Context, current: Current, secret: string, error?: string, status = 200) {
    const uri = totpUri(secret, { label: current.account.email, issuer: new URL(deps.issuer).host });
    // An inline <svg> element, not a data: URL image: the page's CSP allows images from our origin only.
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    // The secret in groups of four, easier to type into an app that can't scan.
    views.render(ctx, 'totp-setup', { qrSvg, secret: secret.match(/.{1,4}/g)!.join(' '), error }, status);
  }

  /** After a change: everyone else is signed out, the change is recorded. */
  async function changed(ctx: Context, current: Current, change: 'totp_on' | 'totp_off' | 'recovery_codes') {
    const ended = await deps.access.endOthers(current.account.id, current.session.jti);
    await deps.events.record({ type: 'account.factors_changed', source: ctx.ip, accountId: current.account.id, detail: { change, other_sessions_ended: ended.sessions } });
    return ended;
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
    const admission = await deps.codeLimits.admit(current.account.id, `account:${current.session.jti}`);
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
    const ended = await changed(ctx, current, 'totp_on');
    views.render(ctx, 'factor-changed', { change: 'totp_on', ended });
  });

  router.post('/totp/off', deps.forms, async (ctx) => {
    const current = await deps.signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    const refused = await reauthenticate(ctx, current);
    if (refused) return deps.renderAccount(ctx, current, { factorError: refused.message }, refused.status);
    await factors.disableTotp(current.account.id);
    const ended = await changed(ctx, current, 'totp_off');
    views.render(ctx, 'factor-changed', { change: 'totp_off', ended });
  });

  router.post('/recovery-codes', deps.forms, async (ctx) => {
    const current = await deps.signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    const refused = await reauthenticate(ctx, current);
    if (refused) return deps.renderAccount(ctx, current, { factorError: refused.message }, refused.status);
    const codes = await factors.newRecoveryCodes(current.account.id);
    const ended = await changed(ctx, current, 'recovery_codes');
    views.render(ctx, 'factor-changed', { change: 'recovery_codes', codes, ended });
  });
}
