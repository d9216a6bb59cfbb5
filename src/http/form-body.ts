/**
 * Form bodies (application/x-www-form-urlencoded) for our own routes, read by @koa/bodyparser up
 * to `limit`. A body that can't be read is the sender's fault and always answers 4xx: co-body
 * passes zlib's errors on untouched when a body claims gzip or deflate but isn't (raw-body gives
 * them no status), and Koa answered those with a 500 (found by test/integration/fuzz.test.ts).
 * Statuses the parser did give (413 too large, 415 unknown Content-Encoding, 400) are kept.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

export function formBody(options: { limit: string }): Middleware {
  return bodyParser({
    enableTypes: ['form'],
    formLimit: options.limit,
    onError(error) {
      const status = (error as { status?: unknown }).status;
      const clientStatus = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
      throw new AppError('bad_request', 'The form could not be read.', { status: clientStatus, cause: error });
    },
  });
}
