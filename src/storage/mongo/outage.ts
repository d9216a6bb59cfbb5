/**
 * MongoDB errors that mean "the database can't be reached right now" become AppError
 * `storage_unavailable` (503): our pages say so, oidc-provider answers server_error with 503, and
 * the driver reconnects by itself when the server is back.
 */
import mongoose from 'mongoose';
import { AppError } from '../../errors.js';

const { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError } = mongoose.mongo;

/** Names as a fallback: some driver errors report their own subclass name. */
const OUTAGE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'PoolClearedOnNetworkError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoPoolClosedError',
  'MongoClientClosedError',
  'MongoServerClosedError',
]);

/** The server's code for a write that would give two documents the same value of a unique index (_id included). */
export const DUPLICATE_KEY = 11000;

/** Replica-set failover codes the driver retries once (its RETRYABLE_READ_ERROR_CODES). */
const FAILOVER_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  ) {
    return true;
  }
  if (error instanceof MongoError && error.hasErrorLabel('RetryableWriteError')) return true;
  if (error instanceof MongoServerError && typeof error.code === 'number' && FAILOVER_CODES.has(error.code)) return true;
  return OUTAGE_NAMES.has(error.name) || /buffering timed out|before initial connection is complete/i.test(error.message);
}

export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isOutage(error)) throw new AppError('storage_unavailable', 'The database cannot be reached', { cause: error });
    throw error;
  }
}
