import type { Middleware } from 'koa';

/**
 * Headers for every response. Referrer-Policy is same-origin rather than no-referrer because
 * no-referrer makes browsers send `Origin: null` on our own form posts, which the CSRF check reads.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
