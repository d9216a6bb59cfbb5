/**
 * The Management API's one error shape: RFC 9457 problem details (application/problem+json), with
 * a stable `code` member for programs. Every failure of the API leaves through here, whatever threw
 * it: our AppErrors keep their code and message when exposed, anything else is a 500 that says
 * nothing of the internals (the log has it).
 */
import type { Context } from 'koa';
import { isAppError, type AppErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

export type ProblemCode = AppErrorCode | 'token_required' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unsupported_media_type' | 'method_not_allowed' | 'body_too_large' | 'forbidden';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A tag URI (RFC 4151): ours to mint, never dereferenced; one per code, each with one status. */
export const PROBLEM_TYPE_PREFIX = 'tag:sso-idp,2026:problem:';

/** A failure the API answers with, thrown from handlers and the bearer check. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
  }
}

export function writeProblem(ctx: Context, problem: ApiProblem): void {
  ctx.status = problem.status;
  for (const [name, value] of Object.entries(problem.options.headers ?? {})) ctx.set(name, value);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { type: `${PROBLEM_TYPE_PREFIX}${problem.code}`, title: TITLES[problem.status] ?? 'Error', status: problem.status, detail: problem.detail, code: problem.code, ...problem.options.extra };
  ctx.type = 'application/problem+json';
}

/** Whatever was thrown, as the problem the caller gets. */
export function toProblem(error: unknown, logger: Logger, path: string): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (isAppError(error) && error.expose) {
    const headers = error.retryAfterSeconds ? { 'Retry-After': String(error.retryAfterSeconds) } : undefined;
    if (error.status === 413) return new ApiProblem(413, 'body_too_large', error.message);
    if (error.status === 415) return new ApiProblem(415, 'unsupported_media_type', error.message);
    return new ApiProblem(error.status, error.code === 'email_taken' ? 'conflict' : error.code, error.message, { headers });
  }
  const status = (error as { status?: unknown }).status;
  // Koa's body parser and http-errors: a body too large, malformed JSON, a wrong charset.
  if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: unknown }).expose === true) {
    return new ApiProblem(status, status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request', (error as Error).message);
  }
  if (isAppError(error) && error.status === 503) return new ApiProblem(503, error.code, 'The store is not answering; try again shortly', { headers: { 'Retry-After': '5' } });
  logger.error('management.failed', { path, error });
  return new ApiProblem(500, 'internal', 'Something went wrong on our side');
}
