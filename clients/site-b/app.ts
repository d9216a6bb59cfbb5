/**
 * site-b, the "JWT" relying party: keeps no server-side session at all. After sign-in the
 * browser carries a token signed by site-b, verified on every request; back-channel logout adds
 * the ended IdP session to a small deny-list (in memory, or shared in MongoDB: state.ts). Its API
 * trusts the IdP's JWT access tokens.
 */
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type Koa from 'koa';
import { AppError } from '../../src/errors.js';
import { refuseMalformedRequests } from '../../src/http/well-formed-request.js';
import { backchannelLogoutRouter } from '../shared/logout-token.js';
import { createRelyingParty, type FetchFunction } from '../shared/relying-party.js';
import { createSiteKoa } from '../shared/site-app.js';
import { siteCookies } from '../shared/site-cookies.js';
import { createSitePages } from '../shared/site-pages.js';
import { sameOriginPosts } from '../shared/same-origin-posts.js';
import { createApiRouter } from './api.js';
import type { SiteBConfig } from './config.js';
import { createSessionTokens } from './session-token.js';
import { createMemorySiteBState, type SiteBState } from './state.js';

export const API_SCOPE = 'api:read';
/** What a machine client needs for /api/status, e.g. with client_credentials. */
export const STATUS_SCOPE = 'api:status';

/**
 * `state`: the deny-list and replay cache, from openSiteBState(config); in memory when left out,
 * which a config naming SITE_B_MONGODB_URI does not allow (that would silently not share).
 */
export function createSiteB(config: SiteBConfig, options: { fetch?: FetchFunction; state?: SiteBState } = {}) {
  if (config.mongodbUri && !options.state) {
    throw new AppError('invalid_config', 'SITE_B_MONGODB_URI is set, but this program keeps site-b\'s state in memory: run it with npm run site-b', { expose: true });
  }
  const state = options.state ?? createMemorySiteBState(config);
  const app = createSiteKoa(config);
  const tokens = createSessionTokens({ secret: config.cookieSecret, siteUrl: config.siteUrl, ttlSeconds: config.sessionTtlSeconds });
  const pages = createSitePages(fileURLToPath(new URL('./views/', import.meta.url)), { name: config.name, approach: 'stateless signed tokens (JWT)', color: '#6b2fa0' });
  const cookies = siteCookies(config.siteUrl);
  const sessionCookie = cookies.name('site_b_session');

  const rp = createRelyingParty({
    ...config,
    scope: 'openid profile email',
    // Ask for the name and email in the ID token itself (claims parameter, OpenID Connect Core
    // 5.5), so sign-in needs no userinfo call and site-b keeps nothing but the signed cookie.
    authorizationParams: { claims: JSON.stringify({ id_token: { name: null, email: null } }) },
    cookiePrefix: 'site_b',
    cookies,
    logoutReplays: state.logoutReplays,
    fetch: options.fetch,
    onError: pages.signInFailed,
    async onSignedIn(ctx, { claims, returnTo }) {
      const token = await tokens.issue({
        sub: claims.sub,
        name: typeof claims.name === 'string' ? claims.name : undefined,
        email: typeof claims.email === 'string' ? claims.email : undefined,
        sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      });
      ctx.cookies.set(sessionCookie, token, cookies.attributes({ maxAge: config.sessionTtlSeconds * 1000 }));
      ctx.redirect(returnTo);
    },
  });

  /** The signed-in person, or undefined: a valid token that is not on the deny-list. */
  async function currentUser(ctx: Koa.Context) {
    const user = await tokens.verify(ctx.cookies.get(sessionCookie));
    if (user && (await state.denyList.isDenied(user))) {
      ctx.cookies.set(sessionCookie, null, cookies.attributes());
      return undefined;
    }
    return user;
  }

  const router = new Router();
  router.get('/', async (ctx) => {
    const user = await currentUser(ctx);
    if (user) return pages.render(ctx, 'index', { user });
    if (!rp.silentCheckDone(ctx)) return rp.redirectToLogin(ctx, { prompt: 'none', returnTo: '/' });
    pages.render(ctx, 'index', { user: undefined });
  });
  router.post('/logout', async (ctx) => {
    ctx.cookies.set(sessionCookie, null, cookies.attributes());
    // No id_token_hint: site-b keeps no ID token; client_id names it (RP-Initiated Logout 1.0 section 2).
    await rp.redirectToLogout(ctx);
  });
  router.get('/signed-out', (ctx) => pages.render(ctx, 'signed-out'));

  const api = createApiRouter({ resource: config.apiResource, requiredScope: API_SCOPE, statusScope: STATUS_SCOPE, keys: rp.idpKeys });

  // Before the CSRF check: see backchannelLogoutRouter.
  const backchannel = backchannelLogoutRouter(rp.verifyLogoutToken, (request) => state.denyList.deny(request));
  app.use(pages.errors);
  app.use(refuseMalformedRequests());
  app.use(backchannel.routes());
  app.use(backchannel.allowedMethods());
  app.use(sameOriginPosts(config.siteUrl));
  app.use(api.routes());
  app.use(rp.router.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, sessionTokens: tokens, denyList: state.denyList, relyingParty: rp, refusals: pages.refusals };
}
