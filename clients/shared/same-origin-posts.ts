import type { Middleware } from 'koa';

/** CSRF defence for a site's forms: a POST the browser marks as coming from elsewhere is refused. */
export function sameOriginPosts(siteUrl: string): Middleware {
  const origin = new URL(siteUrl).origin;
  return async (ctx, next) => {
    const from = ctx.get('Origin');
    if (ctx.method === 'POST' && ((from && from !== origin) || ctx.get('Sec-Fetch-Site') === 'cross-site')) {
      ctx.status = 403;
      ctx.body = 'Cross-site form submission refused.';
      return;
    }
    await next();
  };
}
