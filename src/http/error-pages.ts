/**
 * Errors from our own routes become a friendly page (people) and a log line (operators). Nothing
 * internal reaches the page: 5xx always reads the same, and stack traces only go to the log.
 */
import type { Context } from 'koa';
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

/** The page for an error thrown while a request was answered (request-frame.ts catches it). */
export function renderErrorPage(ctx: Context, caught: unknown, views: Views, logger: Logger): void {
  // JavaScript can throw anything: `throw undefined` must still be logged and answered.
  const error = (typeof caught === 'object' && caught !== null ? caught : new Error(`a non-error was thrown: ${String(caught)}`)) as ProtocolError;
  if (isAppError(error)) {
    if (error.status >= 500 && error.code !== 'overloaded') logger.error('http.app_error', { path: ctx.path, error_code: error.code, error });
    if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
    views.render(ctx, 'error', describeAppError(error.code, error.message, error.status, error.expose), error.status);
    return;
  }
  const given = error.status ?? error.statusCode;
  // Only a status that is an error status is taken from an error; anything else is our failure.
  const status = typeof given === 'number' && Number.isInteger(given) && given >= 400 && given <= 599 ? given : 500;
  if (status >= 500) logger.error('http.unhandled_error', { path: ctx.path, error, stack: error.stack });
  // oidc-provider's SessionNotFound: the interaction cookie is missing, expired or belongs elsewhere.
  const code = error.name === 'SessionNotFound' ? 'session_not_found' : (error.error ?? (status === 404 ? 'not_found' : 'invalid_request'));
  views.render(ctx, 'error', describeProtocolError(code, error.expose ? error.error_description : undefined, status), status);
}

const UNANSWERED: Record<number, { code: string; description: string }> = {
  404: { code: 'not_found', description: 'There is nothing at this address' },
  // Our routers' allowedMethods(): the address exists for another method (Allow says which).
  405: { code: 'method_not_allowed', description: 'This address does not answer this method' },
};

/**
 * Nothing answered (404), or the address answers other methods only (405): a page for people, a
 * JSON error for programs, instead of Koa's plain "Not Found" or "Method Not Allowed" (a person
 * opening a form's address, GET /interaction/<uid>/confirm, got plain text; found by the fuzz test).
 */
export function answerUnanswered(ctx: Context, views: Views): void {
  const unanswered = UNANSWERED[ctx.status];
  if (!unanswered || ctx.body !== undefined) return;
  const status = ctx.status;
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.status = status;
    ctx.body = { error: unanswered.code, error_description: unanswered.description };
    return;
  }
  views.render(ctx, 'error', describeAppError(unanswered.code, `${unanswered.description}.`, status, true), status);
}
