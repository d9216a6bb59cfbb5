import type { Middleware } from 'koa';
import { AppError } from '../../src/errors.js';

/**
 * CSRF defence for a site's forms: a POST the browser marks as coming from elsewhere is refused,
 * with the site's error page (site-pages.ts) rather than plain text.
 */
export function sameOriginPosts(siteUrl: string): Middleware {
  const origin = new URL(siteUrl).origin;
  return async (ctx, next) => {
    const from = ctx.get('Origin');
    if (ctx.method === 'POST' && ((from && from !== origin) || ctx.get('Sec-Fetch-Site') === 'cross-site')) {
      throw new AppError('csrf_rejected', 'This form was sent from another site, so it was refused.');
    }
    await next();
  };
}
