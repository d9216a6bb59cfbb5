/**
 * What every request of the IdP passes, ours and oidc-provider's alike, in one async frame: the
 * security headers, the well-formed-request guard, error pages for what the routes throw, and a
 * page or JSON error when nothing answered. One middleware rather than four: each layer of koa-compose
 * is a promise and a closure on every request, a measurable share of a JWKS or userinfo request
 * against the bare engine (issue 10).
 */
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { answerUnanswered, renderErrorPage } from './error-pages.js';
import { securityHeaders } from './security-headers.js';
import type { Views } from './views.js';
import { answeredMalformed } from './well-formed-request.js';

export function requestFrame(options: { views: Views; logger: Logger; hsts: boolean }): Middleware {
  const { views, logger } = options;
  const headers = securityHeaders({ hsts: options.hsts });
  return async (ctx, next) => {
    ctx.set(headers);
    if (answeredMalformed(ctx, views)) return;
    try {
      await next();
      answerUnanswered(ctx, views);
    } catch (caught) {
      try {
        renderErrorPage(ctx, caught, views, logger);
      } catch (failed) {
        // The error page itself failed (a view that throws): still our answer, not Koa's bare
        // 500, which drops the security headers and, the app being silent, logs nothing.
        logger.error('http.error_page_failed', { path: ctx.path, error: failed });
        ctx.status = 500;
        ctx.set(headers);
        ctx.set('Cache-Control', 'no-store');
        ctx.type = 'text';
        ctx.body = 'Something went wrong on our side. Please try again later.';
      }
    }
  };
}
