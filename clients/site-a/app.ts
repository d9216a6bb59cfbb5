/**
 * site-a, the "sessions" relying party: after sign-in it keeps the person's claims in a
 * server-side session and gives the browser only a random session id. Back-channel logout
 * deletes the matching sessions.
 */
import { fileURLToPath } from 'node:url';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import * as oidc from 'openid-client';
import { backchannelLogoutRoute } from '../shared/logout-token.js';
import { createRelyingParty, type FetchFunction } from '../shared/relying-party.js';
import type { SiteConfig } from '../shared/site-config.js';
import { createSitePages } from '../shared/site-pages.js';
import { sameOriginPosts } from '../shared/same-origin-posts.js';
import { createSessionStore } from './session-store.js';

const SESSION_COOKIE = 'site_a_session';

export function createSiteA(config: SiteConfig, options: { fetch?: FetchFunction } = {}) {
  const app = new Koa();
  app.keys = [config.cookieSecret];
  const sessions = createSessionStore({ ttlSeconds: config.sessionTtlSeconds });
  const pages = createSitePages(fileURLToPath(new URL('./views/', import.meta.url)), { name: config.name, approach: 'server-side sessions', color: '#1f6f43' });
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: new URL(config.siteUrl).protocol === 'https:', signed: false, overwrite: true };

  const rp = createRelyingParty({
    ...config,
    scope: 'openid profile email',
    cookiePrefix: 'site_a',
    fetch: options.fetch,
    onError: pages.signInFailed,
    async onSignedIn(ctx, { claims, tokens, returnTo }) {
      // Claims beyond `sub` come from userinfo with the code flow (OpenID Connect Core 5.4).
      const userinfo = await oidc.fetchUserInfo(await rp.configuration(), tokens.access_token, claims.sub);
      sessions.destroy(ctx.cookies.get(SESSION_COOKIE)); // a new id at every sign-in: no session fixation
      const id = sessions.create({ sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, claims: { ...userinfo }, idToken: tokens.id_token });
      ctx.cookies.set(SESSION_COOKIE, id, { ...cookie, maxAge: config.sessionTtlSeconds * 1000 });
      ctx.redirect(returnTo);
    },
  });

  const router = new Router();
  router.get('/', async (ctx) => {
    const session = sessions.get(ctx.cookies.get(SESSION_COOKIE));
    if (session) return pages.render(ctx, 'index', { user: session.claims });
    if (!rp.silentCheckDone(ctx)) return rp.redirectToLogin(ctx, { prompt: 'none', returnTo: '/' });
    pages.render(ctx, 'index', { user: undefined });
  });
  router.post('/logout', async (ctx) => {
    const session = sessions.get(ctx.cookies.get(SESSION_COOKIE));
    sessions.destroy(ctx.cookies.get(SESSION_COOKIE));
    ctx.cookies.set(SESSION_COOKIE, null, cookie);
    await rp.redirectToLogout(ctx, { idTokenHint: session?.idToken });
  });
  router.get('/signed-out', (ctx) => pages.render(ctx, 'signed-out'));
  router.post(
    '/backchannel-logout',
    bodyParser({ enableTypes: ['form'], formLimit: '64kb' }),
    backchannelLogoutRoute(rp.verifyLogoutToken, (request) => sessions.destroyWhere(request)),
  );

  app.use(pages.errors);
  app.use(sameOriginPosts(config.siteUrl));
  app.use(rp.router.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, sessions, relyingParty: rp };
}
