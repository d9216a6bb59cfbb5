import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/**
 * CSRF defence for our own forms, on top of SameSite=Lax cookies and the interaction cookie that
 * binds each form to its browser: a state-changing request whose browser says it came from
 * another origin is refused.
 */
export function sameOriginForms(allowedOrigin: string): Middleware {
  return async (ctx, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const origin = ctx.get('Origin');
      const fetchSite = ctx.get('Sec-Fetch-Site');
      if ((origin && origin !== allowedOrigin) || fetchSite === 'cross-site') {
        throw new AppError('csrf_rejected', 'This form was sent from another site and was refused.');
      }
    }
    await next();
  };
}
