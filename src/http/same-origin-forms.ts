import type { Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { SecurityEvents } from '../security/security-events.js';

/**
 * CSRF defence for our own forms, on top of SameSite=Lax cookies and the interaction cookie that
 * binds each form to its browser: a state-changing request whose browser says it came from
 * another origin is refused.
 */
export function sameOriginForms(allowedOrigin: string, events: SecurityEvents): Middleware {
  return async (ctx, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const origin = ctx.get('Origin');
      const fetchSite = ctx.get('Sec-Fetch-Site');
      if ((origin && origin !== allowedOrigin) || fetchSite === 'cross-site') {
        // The origin is shown as sent, cut short: it is the attacker's page, not a secret.
        await events.record({ type: 'request.cross_site_refused', source: ctx.ip, detail: { path: ctx.path.slice(0, 200), origin: origin.slice(0, 200), fetch_site: fetchSite.slice(0, 20) } });
        throw new AppError('csrf_rejected', 'This form was sent from another site and was refused.');
      }
    }
    await next();
  };
}
