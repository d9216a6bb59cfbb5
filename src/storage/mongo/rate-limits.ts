/**
 * rate-limiter-flexible's MongoDB limiter on our connection: one collection for every limit (keys
 * carry their limit's prefix), counted with one findOneAndUpdate per call so concurrent requests
 * on any number of instances each count. Its indexes are built at start-up with everyone else's
 * (RATE_LIMIT_INDEXES, build-indexes.ts) instead of by the limiter in the background, where a
 * failure would only reach the console. Counters are written with majority (write-concern.ts):
 * a count rolled back by a failover hands an attacker fresh attempts.
 */
import type { Connection } from 'mongoose';
import { RateLimiterMongo } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimiterOptions } from '../types.js';
import type { IndexSpec } from './index-plan.js';
import { guard } from './outage.js';
import { COLLECTIONS } from './schemas.js';
import { majorityWritingClient } from './write-concern.js';

/**
 * Exactly the indexes RateLimiterMongo#createIndexes makes (lib/RateLimiterMongo.js, with no
 * `indexKeyPrefix`), so a database whose limiter built them itself has no conflict with ours.
 */
const expiry: IndexSpec = { key: { expire: -1 }, options: { expireAfterSeconds: 0 } };
const byKey: IndexSpec = { key: { key: 1 }, options: { unique: true } };
export const RATE_LIMIT_INDEXES: readonly IndexSpec[] = Object.freeze([expiry, byKey]);

function limiterOn(connection: Connection, options: RateLimiterOptions): RateLimiterMongo {
  return new RateLimiterMongo({
    // The limiter calls storeClient.db(dbName) and nothing else of it.
    storeClient: majorityWritingClient(connection.getClient()),
    dbName: connection.name,
    tableName: COLLECTIONS.rateLimits,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    disableIndexesCreation: true,
  });
}

/** A rejection with a RateLimiterRes ("over the limit") passes through guard; a lost database becomes storage_unavailable. */
export function createMongoRateLimiter(connection: Connection, options: RateLimiterOptions): RateLimiter {
  const limiter = limiterOn(connection, options);
  return {
    consume: (key, points, options) => guard(() => limiter.consume(key, points, { attrs: {}, ...options })),
    penalty: (key, points) => guard(() => limiter.penalty(key, points)),
    reward: (key, points) => guard(() => limiter.reward(key, points)),
    get: (key) => guard(() => limiter.get(key)),
    delete: (key) => guard(() => limiter.delete(key)),
  };
}
