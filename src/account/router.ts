/**
 * The account page at the IdP: who is signed in, their sessions and the apps holding grants, with
 * "Sign out everywhere" and "Revoke access". Signing in to it goes through our own authorization
 * endpoint as the first-party `account-console` client: the code that comes back is not needed
 * (the IdP session is what the page reads) and simply expires unused.
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { AppError, assertThat } from '../errors.js';
import { formBody } from '../http/form-body.js';
import { sameOriginForms } from '../http/same-origin-forms.js';
import type { Views } from '../http/views.js';
import { assertValidPassword } from '../accounts/accounts.js';
import { isStillSignedIn } from '../oidc/claims.js';
import { hashPassword } from '../accounts/passwords.js';
import type { PasswordSignIn } from '../interactions/password-sign-in.js';
import { waitMessage } from '../interactions/router.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRecord, AccountRepository } from '../storage/types.js';
import { ACCOUNT_CONSOLE_CLIENT_ID, type AccountSessions } from './account-sessions.js';
import type { AccessEnder } from './end-access.js';
import { ACCOUNT_CHANGED_MEANWHILE, createFactorChanges, type AccountPage, type Current } from './factor-changes.js';
import { factorRoutes } from './factor-routes.js';
import { passkeyRoutes } from './passkey-routes.js';
import type { CodeLimits } from '../mfa/code-limits.js';
import type { Factors } from '../mfa/factors.js';
import type { Passkeys } from '../mfa/passkeys.js';
import type { KnownBrowsers } from '../throttling/device-cookie.js';

const STATE_COOKIE = 'account_login_state';

export interface AccountRouterDeps {
  provider: () => Provider;
  issuer: string;
  accounts: AccountRepository;
  sessions: AccountSessions;
  access: AccessEnder;
  /** Checks the current password before it is changed, under the sign-in limits. */
  signIn: PasswordSignIn;
  events: SecurityEvents;
  views: Views;
  /** Second factors (mfa/): the authenticator app, recovery codes and passkeys the person manages here. */
  factors: Factors;
  passkeys: Passkeys;
  codeLimits: CodeLimits;
  /** The browser that changes the password or a second factor stays known for the account (throttling/device-cookie.ts). */
  browsers: KnownBrowsers;
}

export function createAccountRouter(deps: AccountRouterDeps): Router {
  const { issuer, views } = deps;
  // Case-sensitive like the router.use() guard below: routes matched /ACCOUNT/... case-insensitively
  // while the guard did not, so a cross-site form got past it by changing the path's case.
  const router = new Router({ prefix: '/account', sensitive: true });
  const forms = formBody({ limit: '4kb' });
  router.use(sameOriginForms(new URL(issuer).origin, deps.events));

  async function signedIn(ctx: Context) {
    const session = await deps.provider().Session.get(ctx);
    const account = session.accountId ? await deps.accounts.findById(session.accountId) : undefined;
    return account && isStillSignedIn(account, session.loginTs, session.uid) ? { session, account } : undefined;
  }

  async function renderAccount(ctx: Context, current: { account: AccountRecord; session: { jti: string } }, errors: { passwordError?: string; factorError?: string } = {}, status = 200) {
    const [overview, signOuts, factors, passkeys] = await Promise.all([
      deps.sessions.overview(current.account.id, current.session.jti),
      deps.sessions.signOuts(current.account.id),
      deps.factors.status(current.account.id),
      deps.passkeys.list(current.account.id),
    ]);
    views.render(ctx, 'account', { account: current.account, ...overview, signOuts, factors, passkeys, ...errors }, status);
  }

  /** Ends all of the account's access, records why, and tells the person what ended. */
  async function endEverything(ctx: Context, accountId: string, why: 'signed_out' | 'password_changed') {
    const ended = await deps.access.endAll(accountId);
    const type = why === 'signed_out' ? 'account.signed_out_everywhere' : 'account.password_changed';
    await deps.events.record({ type, source: ctx.ip, accountId, detail: { ...ended } });
    // The IdP session cookie goes with the session it named (the session itself is already gone).
    ctx.cookies.set(deps.provider().cookieName('session'), null);
    views.render(ctx, 'signed-out-everywhere', { ended, reason: why });
  }

  router.get('/', async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    await renderAccount(ctx, current);
  });

  router.get('/login', (ctx) => {
    const state = randomBytes(16).toString('base64url');
    // No `secure` option: like oidc-provider's own cookies, Secure follows ctx.secure (TLS here, or
    // X-Forwarded-Proto https from a trusted proxy). Forcing it from an https issuer over a plain
    // connection makes Koa throw "Cannot send secure cookie over unencrypted connection" (a 500);
    // production refuses an https issuer unless the IdP serves TLS or trusts a proxy (config.ts).
    ctx.cookies.set(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', signed: true, path: '/account', maxAge: 10 * 60 * 1000 });
    const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
    const params = new URLSearchParams({
      client_id: ACCOUNT_CONSOLE_CLIENT_ID,
      redirect_uri: `${issuer}/account/callback`,
      response_type: 'code',
      scope: 'openid',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    ctx.redirect(`/auth?${params}`);
  });

  router.get('/callback', (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
    assertThat(expected && ctx.query.state === expected, 'bad_request', 'This sign-in did not start here. Open your account page again.');
    if (typeof ctx.query.error === 'string') return views.render(ctx, 'error', { title: 'Not signed in', message: 'Sign-in to your account page was cancelled.' }, 400);
    ctx.redirect('/account');
  });

  router.post('/sign-out-everywhere', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    await endEverything(ctx, current.account.id, 'signed_out');
  });

  router.post('/password', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const [currentPassword, newPassword] = [body.current_password, body.new_password].map((v) => (typeof v === 'string' ? v : ''));
    try {
      assertValidPassword(newPassword!);
    } catch (error) {
      return renderAccount(ctx, current, { passwordError: (error as Error).message }, 400);
    }
    const check = await deps.signIn(ctx, {
      email: current.account.email,
      password: currentPassword!,
      page: `account-password:${current.session.jti}`,
      prompt: 'login',
      clientId: ACCOUNT_CONSOLE_CLIENT_ID,
      trustedBrowser: `session:${current.session.jti}`,
    });
    if (check.kind === 'incorrect') return renderAccount(ctx, current, { passwordError: 'Your current password is not correct.' }, 400);
    if (check.kind !== 'signed_in') {
      ctx.set('Retry-After', String(check.retryAfterSeconds));
      return renderAccount(ctx, current, { passwordError: waitMessage(check.retryAfterSeconds) }, check.kind === 'busy' ? 503 : 429);
    }
    // Only onto the account as this session read it: if another password change, a sign-out
    // everywhere or a factor change ended this session meanwhile, the old password must not win.
    const written = await deps.accounts.update(current.account.id, { passwordHash: await hashPassword(newPassword!) }, { ifUnchanged: current.account });
    if (!written) throw new AppError('interaction_expired', ACCOUNT_CHANGED_MEANWHILE);
    // A changed password is the moment to throw out whoever else knew the old one.
    await endEverything(ctx, current.account.id, 'password_changed');
    // The browsers known before are not any more; this one, where the person proved it, still is.
    deps.browsers.remember(ctx, current.account, Date.now());
  });

  const page: AccountPage = { signedIn: async (ctx) => signedIn(ctx) as Promise<Current | undefined>, renderAccount };
  const factorDeps = { ...deps, forms, ...page, changes: createFactorChanges({ ...deps, ...page }) };
  factorRoutes(router, factorDeps);
  // A registration response with its attestation object: more than the 4 kB of the other forms.
  passkeyRoutes(router, { ...factorDeps, passkeyForms: formBody({ limit: '16kb' }) });

  router.post('/apps/:clientId/revoke', forms, async (ctx) => {
    const current = await signedIn(ctx);
    if (!current) return ctx.redirect('/account/login');
    const clientId = ctx.params.clientId!;
    assertThat(await deps.provider().Client.find(clientId), 'not_found', 'There is no such app.');
    const ended = await deps.access.revokeApp(current.account.id, clientId);
    await deps.events.record({ type: 'account.app_revoked', source: ctx.ip, accountId: current.account.id, clientId, detail: { ...ended } });
    ctx.status = 303;
    ctx.redirect('/account');
  });

  return router;
}
