/**
 * Our own failures: one class with a stable code, an HTTP status and `expose`, the single switch
 * between showing the message to a person and hiding it (as Koa's http-errors does).
 * Protocol errors at OAuth endpoints use oidc-provider's `errors.*` instead.
 */
export type AppErrorCode =
  | 'invalid_config'
  | 'not_found'
  | 'bad_request'
  | 'csrf_rejected'
  | 'email_taken'
  | 'conflict'
  | 'invalid_input'
  | 'interaction_expired'
  | 'already_consumed'
  | 'storage_unavailable'
  | 'storage_index_conflict'
  | 'rate_limited'
  | 'overloaded'
  | 'too_large'
  | 'internal';

const defaultStatus: Record<AppErrorCode, number> = {
  invalid_config: 500,
  not_found: 404,
  bad_request: 400,
  csrf_rejected: 403,
  email_taken: 409,
  /** The request is valid but the state of things refuses it (a record the IdP manages, a bound reached). */
  conflict: 409,
  invalid_input: 400,
  interaction_expired: 400,
  already_consumed: 409,
  storage_unavailable: 503,
  /** Start-up only: the database holds an index that differs from ours; an operator must fix it. */
  storage_index_conflict: 500,
  rate_limited: 429,
  overloaded: 503,
  /** Something a request made (a record it would store) is larger than a bound allows. */
  too_large: 413,
  internal: 500,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** For 429 and 503: when trying again makes sense (the Retry-After header, RFC 9110 10.2.3). */
  readonly retryAfterSeconds?: number;

  constructor(code: AppErrorCode, message: string, options: { status?: number; expose?: boolean; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.expose = options.expose ?? this.status < 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** oidc-provider's error handler reads `statusCode`: a storage outage answers 503, not 500. */
  get statusCode(): number {
    return this.status;
  }
}

export function assertThat(condition: unknown, code: AppErrorCode, message: string): asserts condition {
  if (!condition) throw new AppError(code, message);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
