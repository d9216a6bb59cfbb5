/**
 * site-a, the "sessions" relying party: after sign-in it keeps the person's claims in a
 * server-side session (in memory, or shared in MongoDB: state.ts) and gives the browser only a
 * random session id. Back-channel logout deletes the matching sessions.
 */
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import * as oidc from 'openid-client';
import { AppError } from '../../src/errors.js';
import { refuseMalformedRequests } from '../../src/http/well-formed-request.js';
import { backchannelLogoutRouter } from '../shared/logout-token.js';
import { createRelyingParty, type FetchFunction } from '../shared/relying-party.js';
import { createSiteKoa } from '../shared/site-app.js';
import { siteCookies } from '../shared/site-cookies.js';
import { createSitePages } from '../shared/site-pages.js';
import { sameOriginPosts } from '../shared/same-origin-posts.js';
import type { SiteAConfig } from './config.js';
import { createMemorySiteAState, type SiteAState } from './state.js';

/** The IdP's acr value for a sign-in with two factors (its discovery lists it in acr_values_supported). */
export const TWO_FACTORS = 'urn:sso:acr:2fa';

/**
 * `state`: the sessions and replay cache, from openSiteAState(config); in memory when left out,
 * which a config naming SITE_A_MONGODB_URI does not allow (that would silently not share).
 */
export function createSiteA(config: SiteAConfig, options: { fetch?: FetchFunction; state?: SiteAState } = {}) {
  if (config.mongodbUri && !options.state) {
    throw new AppError('invalid_config', 'SITE_A_MONGODB_URI is set, but this program keeps site-a\'s state in memory: run it with npm run site-a', { expose: true });
  }
  const { sessions, logoutReplays } = options.state ?? createMemorySiteAState(config);
  const app = createSiteKoa(config);
  const pages = createSitePages(fileURLToPath(new URL('./views/', import.meta.url)), { name: config.name, approach: 'server-side sessions', color: '#1f6f43' });
  const cookies = siteCookies(config.siteUrl);
  const sessionCookie = cookies.name('site_a_session');

  const rp = createRelyingParty({
    ...config,
    scope: 'openid profile email',
    cookiePrefix: 'site_a',
    cookies,
    logoutReplays,
    fetch: options.fetch,
    onError: pages.signInFailed,
    async onSignedIn(ctx, { claims, tokens, returnTo }) {
      // Claims beyond `sub` come from userinfo with the code flow (OpenID Connect Core 5.4).
      const userinfo = await oidc.fetchUserInfo(await rp.configuration(), tokens.access_token, claims.sub);
      await sessions.destroy(ctx.cookies.get(sessionCookie)); // a new id at every sign-in: no session fixation
      // How the person signed in (acr, amr) is in the ID token, not userinfo: kept beside the claims.
      const how = { ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}), ...(Array.isArray(claims.amr) ? { amr: claims.amr.join(' ') } : {}) };
      const id = await sessions.create({ sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, claims: { ...userinfo, ...how }, idToken: tokens.id_token });
      ctx.cookies.set(sessionCookie, id, cookies.attributes({ maxAge: config.sessionTtlSeconds * 1000 }));
      ctx.redirect(returnTo);
    },
  });

  const router = new Router();
  router.get('/', async (ctx) => {
    const session = await sessions.get(ctx.cookies.get(sessionCookie));
    if (session) return pages.render(ctx, 'index', { user: session.claims });
    if (!rp.silentCheckDone(ctx)) return rp.redirectToLogin(ctx, { prompt: 'none', returnTo: '/' });
    pages.render(ctx, 'index', { user: undefined });
  });
  router.post('/logout', async (ctx) => {
    const session = await sessions.get(ctx.cookies.get(sessionCookie));
    await sessions.destroy(ctx.cookies.get(sessionCookie));
    ctx.cookies.set(sessionCookie, null, cookies.attributes());
    await rp.redirectToLogout(ctx, { idTokenHint: session?.idToken });
  });
  router.get('/signed-out', (ctx) => pages.render(ctx, 'signed-out'));
  // A page that needs two factors: a session signed in with less goes back to the IdP asking for
  // them (step-up); the IdP never answers with less than asked for.
  router.get('/sensitive', async (ctx) => {
    const session = await sessions.get(ctx.cookies.get(sessionCookie));
    if (session?.claims.acr === TWO_FACTORS) return pages.render(ctx, 'sensitive', { user: session.claims });
    await rp.redirectToLogin(ctx, { returnTo: '/sensitive', acrValues: TWO_FACTORS });
  });

  // Before the CSRF check: see backchannelLogoutRouter.
  const backchannel = backchannelLogoutRouter(rp.verifyLogoutToken, (request) => sessions.destroyWhere(request));
  app.use(pages.errors);
  app.use(refuseMalformedRequests());
  app.use(backchannel.routes());
  app.use(backchannel.allowedMethods());
  app.use(sameOriginPosts(config.siteUrl));
  app.use(rp.router.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, sessions, relyingParty: rp, refusals: pages.refusals };
}
