/**
 * The OpenID Connect relying-party half both sample sites share: discovery from the issuer URL,
 * the authorization code flow with PKCE (S256), state and nonce, and ID token verification
 * (signature against the JWKS, iss, aud, exp, iat, nonce) through openid-client, the certified
 * RP library by oidc-provider's author. What a site does once someone is signed in (a server
 * session or a signed cookie) is the site's own business: `onSignedIn`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { createIdpKeys, type IdpKeys } from './idp-keys.js';
import { createTransactionCookie, safeReturnTo } from './login-transaction.js';
import { createLogoutTokenVerifier, type LogoutRequest } from './logout-token.js';
import type { SiteCookies } from './site-cookies.js';
import type { ReplayCache } from './state/replay-cache.js';

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface RelyingPartyOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The site's own public origin, e.g. http://site-a.localhost:3001 */
  siteUrl: string;
  scope: string;
  /** Extra authorization request parameters (claims, resource, ...). */
  authorizationParams?: Record<string, string>;
  cookiePrefix: string;
  cookies: SiteCookies;
  /** Remembers the logout tokens already accepted (the site's state). */
  logoutReplays: ReplayCache;
  /** Plain http is only for an issuer on loopback (the demo); real IdPs use https. */
  allowInsecureHttp: boolean;
  fetch?: FetchFunction;
  onSignedIn(ctx: Context, signIn: SignIn): Promise<void>;
  /** Renders a page for a failed sign-in. */
  onError(ctx: Context, failure: SignInFailure): void;
}

export interface SignIn {
  claims: oidc.IDToken;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  returnTo: string;
}

export interface SignInFailure {
  status: number;
  /** access_denied, login_required, invalid_callback, idp_unavailable, ... */
  code: string;
}

/** Errors a `prompt=none` request answers with when the IdP can't sign the person in silently. */
const SILENT_FAILURES = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);
const SSO_CHECKED_MS = 60 * 1000;

export interface RelyingParty {
  router: Router;
  configuration(): Promise<oidc.Configuration>;
  /** True when this browser was sent for a silent SSO check within the last minute. */
  silentCheckDone(ctx: Context): boolean;
  /** Sends the browser to the IdP; `prompt` none | login | select_account; `acrValues` what the sign-in must have been (OpenID Connect Core 3.1.2.1). */
  redirectToLogin(ctx: Context, options?: { prompt?: string; returnTo?: string; acrValues?: string }): Promise<void>;
  /**
   * RP-initiated logout 1.0: sends the browser to the IdP's end_session_endpoint, which ends the
   * single sign-on session (after the person confirms), tells every site of that session through
   * back-channel logout, and comes back to /signed-out.
   */
  redirectToLogout(ctx: Context, options?: { idTokenHint?: string }): Promise<void>;
  /** The IdP's issuer and JWKS, for verifying tokens it signed. */
  idpKeys(): Promise<IdpKeys>;
  verifyLogoutToken(token: string): Promise<LogoutRequest>;
}

/** How long a site waits for the IdP on any one call before showing that it is unavailable. */
export const IDP_TIMEOUT_SECONDS = 5;

export function createRelyingParty(options: RelyingPartyOptions): RelyingParty {
  const redirectUri = `${options.siteUrl}/callback`;
  const transactions = createTransactionCookie(options.cookies.name(`${options.cookiePrefix}_auth`), options.cookies);
  const ssoCheckedCookie = options.cookies.name(`${options.cookiePrefix}_sso_checked`);
  let discovered: Promise<oidc.Configuration> | undefined;

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(new URL(options.issuer), options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), {
        execute: [oidc.enableNonRepudiationChecks, ...(options.allowInsecureHttp ? [oidc.allowInsecureRequests] : [])],
        // Seconds, for discovery and every later call (token, userinfo): an IdP that accepts
        // connections and never answers held each page 30 s (openid-client's default).
        timeout: IDP_TIMEOUT_SECONDS,
        ...(options.fetch ? { [oidc.customFetch]: options.fetch as oidc.CustomFetch } : {}),
      })
      .then((config) => {
        if (options.fetch) config[oidc.customFetch] = options.fetch as oidc.CustomFetch;
        return config;
      })
      .catch((error: unknown) => {
        discovered = undefined; // try again on the next request: the IdP may just be starting
        throw error;
      });
    return discovered;
  }

  async function redirectToLogin(ctx: Context, opts: { prompt?: string; returnTo?: string; acrValues?: string } = {}) {
    const config = await configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const transaction = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, returnTo: safeReturnTo(opts.returnTo), prompt: opts.prompt };
    transactions.save(ctx, transaction);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: options.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
      ...options.authorizationParams,
      ...(opts.prompt ? { prompt: opts.prompt } : {}),
      ...(opts.acrValues ? { acr_values: opts.acrValues } : {}),
    });
    ctx.redirect(url.href);
  }

  async function callback(ctx: Context) {
    const transaction = transactions.take(ctx);
    if (!transaction) return options.onError(ctx, { status: 400, code: 'invalid_callback' });
    const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
    if (error && ctx.query.state === transaction.state && transaction.prompt === 'none' && SILENT_FAILURES.has(error)) {
      // No single sign-on session at the IdP: remember we asked, then show "Sign in".
      ctx.cookies.set(ssoCheckedCookie, '1', options.cookies.attributes({ maxAge: SSO_CHECKED_MS }));
      return ctx.redirect(transaction.returnTo);
    }
    const config = await configuration();
    let tokens: SignIn['tokens'];
    try {
      tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.originalUrl, options.siteUrl), {
        pkceCodeVerifier: transaction.codeVerifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (caught) {
      const code = caught instanceof oidc.AuthorizationResponseError ? caught.error : 'invalid_callback';
      return options.onError(ctx, { status: code === 'access_denied' ? 403 : 400, code });
    }
    const claims = tokens.claims();
    if (!claims) return options.onError(ctx, { status: 400, code: 'invalid_callback' });
    ctx.cookies.set(ssoCheckedCookie, null, options.cookies.attributes());
    await options.onSignedIn(ctx, { claims, tokens, returnTo: transaction.returnTo });
  }

  async function redirectToLogout(ctx: Context, opts: { idTokenHint?: string } = {}) {
    const url = oidc.buildEndSessionUrl(await configuration(), {
      client_id: options.clientId,
      post_logout_redirect_uri: `${options.siteUrl}/signed-out`,
      ...(opts.idTokenHint ? { id_token_hint: opts.idTokenHint } : {}),
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  }

  const idpKeys = createIdpKeys(async () => (await configuration()).serverMetadata(), options.fetch);

  const router = new Router();
  router.get('/login', async (ctx) => {
    const prompt = typeof ctx.query.prompt === 'string' && ['none', 'login', 'select_account'].includes(ctx.query.prompt) ? ctx.query.prompt : undefined;
    await redirectToLogin(ctx, { prompt, returnTo: typeof ctx.query.returnTo === 'string' ? ctx.query.returnTo : '/' });
  });
  router.get('/callback', callback);

  return {
    router,
    configuration,
    redirectToLogin,
    redirectToLogout,
    idpKeys,
    verifyLogoutToken: createLogoutTokenVerifier({ clientId: options.clientId, keys: idpKeys, replays: options.logoutReplays }),
    silentCheckDone: (ctx) => ctx.cookies.get(ssoCheckedCookie) === '1',
  };
}
