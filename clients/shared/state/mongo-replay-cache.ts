/**
 * The replay cache in MongoDB, shared by every process of a site: one document per `jti`, removed
 * by a TTL index once its token has expired.
 */
import { Schema, type Connection } from 'mongoose';
import { buildIndexes } from '../../../src/storage/mongo/build-indexes.js';
import { ourCondition } from '../../../src/storage/mongo/conditions.js';
import { schemaIndexes } from '../../../src/storage/mongo/index-plan.js';
import { guard } from '../../../src/storage/mongo/outage.js';
import { modelOn } from '../../../src/storage/mongo/model.js';
import { majority } from '../../../src/storage/mongo/write-concern.js';
import { siteCollection } from './mongo-connection.js';
import type { ReplayCache } from './replay-cache.js';

interface JtiDoc {
  _id: string;
  expiresAt: Date;
}

const jtiSchema = new Schema({ _id: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { versionKey: false, strict: true, autoIndex: false });
// Clean-up only: the TTL monitor runs about once a minute, so remember() compares expiresAt itself.
jtiSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

const DUPLICATE_KEY = 11000;

export async function openMongoReplayCache(connection: Connection, clientId: string, now: () => number = Date.now): Promise<ReplayCache> {
  const collection = siteCollection('logout_jtis', clientId);
  const model = modelOn<JtiDoc>(connection, collection, jtiSchema, collection);
  await buildIndexes(connection.db!, [{ collection, indexes: schemaIndexes(jtiSchema) }]);
  return {
    remember: (jti, expiresAt) =>
      guard(async () => {
        // A jti that is not a string is never looked up: it counts as seen, so its token is refused.
        if (typeof jti !== 'string') return false;
        try {
          // One atomic write: it inserts an unknown jti, or takes over an expired entry the TTL
          // monitor has not removed yet. A live entry doesn't match the filter, so the upsert
          // tries to insert its _id again and fails on the unique _id index: a replay. Two
          // processes racing with one jti: one insert wins, the other gets the duplicate key.
          // With majority (write-concern.ts): a remembered jti rolled back by a failover would let
          // the same logout token be played again.
          const result = await model.updateOne({ _id: jti, expiresAt: ourCondition({ $lte: new Date(now()) }) }, { $set: { expiresAt } }, { upsert: true, ...majority() });
          return result.upsertedCount + result.matchedCount > 0;
        } catch (error) {
          if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
          throw error;
        }
      }),
    forget: (jti) =>
      guard(async () => {
        if (typeof jti === 'string') await model.deleteOne({ _id: jti }, majority());
      }),
  };
}
