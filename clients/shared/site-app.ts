/**
 * The Koa app both sample sites start from: the key that signs their cookies, trust in the proxy
 * in front (config `trustProxy`), and, for an https site, a refusal of any request that did not
 * arrive over https. Without that refusal such a request would reach a handler that sets a Secure
 * cookie, which Koa refuses with a 500 ("Cannot send secure cookie over unencrypted connection").
 */
import Koa from 'koa';
import type { SiteConfig } from './site-config.js';

export function createSiteKoa(config: SiteConfig): Koa {
  const app = new Koa({ keys: [config.cookieSecret], proxy: config.trustProxy });
  if (new URL(config.siteUrl).protocol === 'https:') {
    app.use(async (ctx, next) => {
      // ctx.secure: the socket is TLS, or (proxy trusted) X-Forwarded-Proto says https.
      if (ctx.secure) return next();
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = `${config.name} is served over https only: ${config.siteUrl}`;
    });
  }
  return app;
}
