/**
 * Errors from our own routes become a friendly page (people) and a log line (operators). Nothing
 * internal reaches the page: 5xx always reads the same, and stack traces only go to the log.
 */
import type { Middleware } from 'koa';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeAppError, describeProtocolError } from './error-messages.js';
import type { Views } from './views.js';

interface ProtocolError extends Error {
  status?: number;
  statusCode?: number;
  error?: string;
  error_description?: string;
  expose?: boolean;
}

export function errorPages(views: Views, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const error = caught as ProtocolError;
      if (isAppError(error)) {
        if (error.status >= 500 && error.code !== 'overloaded') logger.error('http.app_error', { path: ctx.path, error_code: error.code, error });
        if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
        views.render(ctx, 'error', describeAppError(error.code, error.message, error.status, error.expose), error.status);
        return;
      }
      const status = error.status ?? error.statusCode ?? 500;
      if (status >= 500) logger.error('http.unhandled_error', { path: ctx.path, error, stack: error.stack });
      // oidc-provider's SessionNotFound: the interaction cookie is missing, expired or belongs elsewhere.
      const code = error.name === 'SessionNotFound' ? 'session_not_found' : (error.error ?? (status === 404 ? 'not_found' : 'invalid_request'));
      views.render(ctx, 'error', describeProtocolError(code, error.expose ? error.error_description : undefined, status), status);
    }
  };
}

/** Nothing answered: a page for people, a JSON error for programs, instead of Koa's plain "Not Found". */
export function notFoundPage(views: Views): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'There is nothing at this address' };
      return;
    }
    views.render(ctx, 'error', describeAppError('not_found', 'There is nothing at this address.', 404, true), 404);
  };
}
