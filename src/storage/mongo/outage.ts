/**
 * MongoDB errors that mean "the database can't be reached right now" become AppError
 * `storage_unavailable` (503): our pages say so, oidc-provider answers server_error with 503, and
 * the driver reconnects by itself when the server is back.
 */
import { AppError } from '../../errors.js';

const OUTAGE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return OUTAGE_ERRORS.has(error.name) || /buffering timed out|before initial connection is complete/i.test(error.message);
}

export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isOutage(error)) throw new AppError('storage_unavailable', 'The database cannot be reached', { cause: error });
    throw error;
  }
}
