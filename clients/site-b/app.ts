/**
 * site-b, the "JWT" relying party: keeps no server-side session at all. After sign-in the
 * browser carries a token signed by site-b, verified on every request; its API trusts the IdP's
 * JWT access tokens.
 */
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import { createRelyingParty, type FetchFunction } from '../shared/relying-party.js';
import { createSitePages } from '../shared/site-pages.js';
import { sameOriginPosts } from '../shared/same-origin-posts.js';
import { createApiRouter } from './api.js';
import type { SiteBConfig } from './config.js';
import { createSessionTokens } from './session-token.js';

const SESSION_COOKIE = 'site_b_session';
export const API_SCOPE = 'api:read';

export function createSiteB(config: SiteBConfig, options: { fetch?: FetchFunction } = {}) {
  const app = new Koa();
  app.keys = [config.cookieSecret];
  const tokens = createSessionTokens({ secret: config.cookieSecret, siteUrl: config.siteUrl, ttlSeconds: config.sessionTtlSeconds });
  const pages = createSitePages(fileURLToPath(new URL('./views/', import.meta.url)), { name: config.name, approach: 'stateless signed tokens (JWT)', color: '#6b2fa0' });
  const secure = new URL(config.siteUrl).protocol === 'https:';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, signed: false, overwrite: true };

  const rp = createRelyingParty({
    ...config,
    scope: 'openid profile email',
    // Ask for the name and email in the ID token itself (claims parameter, OpenID Connect Core
    // 5.5), so sign-in needs no userinfo call and site-b keeps nothing but the signed cookie.
    authorizationParams: { claims: JSON.stringify({ id_token: { name: null, email: null } }) },
    cookiePrefix: 'site_b',
    fetch: options.fetch,
    onError: pages.signInFailed,
    async onSignedIn(ctx, { claims, returnTo }) {
      const token = await tokens.issue({
        sub: claims.sub,
        name: typeof claims.name === 'string' ? claims.name : undefined,
        email: typeof claims.email === 'string' ? claims.email : undefined,
        sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      });
      ctx.cookies.set(SESSION_COOKIE, token, { ...cookie, maxAge: config.sessionTtlSeconds * 1000 });
      ctx.redirect(returnTo);
    },
  });

  const router = new Router();
  router.get('/', async (ctx) => {
    const user = await tokens.verify(ctx.cookies.get(SESSION_COOKIE));
    if (user) return pages.render(ctx, 'index', { user });
    if (!rp.silentCheckDone(ctx)) return rp.redirectToLogin(ctx, { prompt: 'none', returnTo: '/' });
    pages.render(ctx, 'index', { user: undefined });
  });
  router.post('/logout', (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, null, cookie);
    ctx.status = 303;
    ctx.redirect('/signed-out');
  });
  router.get('/signed-out', (ctx) => pages.render(ctx, 'signed-out'));

  const api = createApiRouter({
    resource: config.apiResource,
    requiredScope: API_SCOPE,
    fetch: options.fetch,
    metadata: async () => (await rp.configuration()).serverMetadata(),
  });

  app.use(pages.errors);
  app.use(sameOriginPosts(config.siteUrl));
  app.use(api.routes());
  app.use(rp.router.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, sessionTokens: tokens, relyingParty: rp };
}
