/**
 * Writes that must survive a failover use write concern `majority`: acknowledged only once most
 * data-bearing members have them, so an election can't roll them back. A consume rolled back
 * after a failover makes a used authorization code or refresh token usable again (RFC 6749
 * sections 4.1.2 and 10.5); a rolled-back counter, key, revocation or disable silently undoes a
 * security decision. The deployment default is not enough: it is `w: 1` on a replica set with
 * an arbiter (https://www.mongodb.com/docs/manual/reference/write-concern/#implicit-default-write-concern).
 *
 * Not a setting: lowering it brings the defect back, and every topology accepts it (a standalone
 * or a single-node replica set acknowledges majority writes at once). Its cost is availability:
 * when a majority of data-bearing members is down, these writes wait until MONGODB_SOCKET_TIMEOUT_MS
 * and answer 503, the safe side for a sign-in service.
 *
 * Reads stay on the primary with the default read concern: a write acknowledged by a majority is
 * visible to every later read on the primary, before and after an election.
 */
import type { mongo } from 'mongoose';

/** A fresh object each time: mongoose and the driver may write into the options they are given. */
export function majority(): { writeConcern: { w: 'majority' } } {
  return { writeConcern: { w: 'majority' } };
}

/**
 * The one thing rate-limiter-flexible's RateLimiterMongo asks of its `storeClient`:
 * `client.db(dbName)` (lib/RateLimiterMongo.js `_initCollection`). Handing it this pins every
 * counter write to majority, as the collection inherits its database's write concern.
 */
export function majorityWritingClient(client: mongo.MongoClient): { db(name: string): mongo.Db } {
  return { db: (name) => client.db(name, majority()) };
}
