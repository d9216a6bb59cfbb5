/**
 * Windowed counters in MongoDB. The increment is one findOneAndUpdate with $inc, so concurrent
 * requests on any number of instances each count; an expired counter (the TTL monitor may not
 * have removed it yet) is restarted in place.
 */
import type { Connection, Model } from 'mongoose';
import type { CounterRepository } from '../types.js';
import { modelOn } from './model.js';
import { guard } from './outage.js';
import { COLLECTIONS, counterSchema } from './schemas.js';

interface CounterDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

export const counterModel = (connection: Connection): Model<CounterDoc> => modelOn(connection, 'Counter', counterSchema, COLLECTIONS.counters);

export function createMongoCounters(connection: Connection): CounterRepository {
  const Counters = counterModel(connection);
  return {
    increment: (key, windowSeconds) =>
      guard(async () => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const now = new Date();
          const live = await Counters.findOneAndUpdate({ _id: key, expiresAt: { $gt: now } }, { $inc: { count: 1 } }, { returnDocument: 'after' }).lean<CounterDoc>();
          if (live) return live.count;
          try {
            // No live counter: start one, over an expired one if it is still there.
            await Counters.findOneAndUpdate(
              { _id: key, expiresAt: { $lte: now } },
              { $set: { count: 1, expiresAt: new Date(now.getTime() + windowSeconds * 1000) } },
              { upsert: true },
            );
            return 1;
          } catch (error) {
            // Another request started it a moment ago: count on it in the next round.
            if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
          }
        }
        throw new Error(`counter ${key} kept changing under us`);
      }),
    reset: (key) =>
      guard(async () => {
        await Counters.deleteOne({ _id: key });
      }),
  };
}
