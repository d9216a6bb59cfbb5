/**
 * What every request of the IdP passes, ours and oidc-provider's alike, in one frame: the
 * security headers, the well-formed-request guard, error pages for what the routes throw, and a
 * page or JSON error when nothing answered. One plain function rather than four layers, and no
 * async function: with oidc-provider's AsyncLocalStorage on, every promise a request makes runs
 * Node's promise hooks (issue 10). The security headers are set here only for a response whose
 * class doesn't send them itself, as the IdP's servers' does (security-headers.ts): setting them
 * was the largest part of what the frame cost.
 */
import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { answerUnanswered, renderErrorPage } from './error-pages.js';
import { responseWithHeaders, type SecurityHeaders } from './security-headers.js';
import type { Views } from './views.js';
import { answeredMalformed } from './well-formed-request.js';

export function requestFrame(options: { views: Views; logger: Logger; headers: SecurityHeaders }): Middleware {
  const { views, logger } = options;
  const { headers } = options;
  // The IdP's own servers send the headers from their response class (security-headers.ts).
  const sendsHeaders = responseWithHeaders(headers);

  function fail(ctx: Context, caught: unknown): void {
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

  function settle(ctx: Context): void {
    try {
      answerUnanswered(ctx, views);
    } catch (caught) {
      fail(ctx, caught);
    }
  }

  return (ctx, next) => {
    if (!(ctx.res instanceof sendsHeaders)) ctx.set(headers);
    let answering: unknown;
    try {
      if (answeredMalformed(ctx, views)) return Promise.resolve();
      // A route may throw before its first await, or be a plain function that returns nothing.
      answering = next();
    } catch (caught) {
      fail(ctx, caught);
      return Promise.resolve();
    }
    return Promise.resolve(answering).then(
      () => settle(ctx),
      (caught: unknown) => fail(ctx, caught),
    );
  };
}
