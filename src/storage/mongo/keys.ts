import type { Connection, Model } from 'mongoose';
import { assertId, isId } from '../ids.js';
import type { KeyRepository, StoredKey } from '../types.js';
import { modelOn } from './model.js';
import { guard } from './outage.js';
import { COLLECTIONS, keySchema } from './schemas.js';

interface KeyDoc extends Omit<StoredKey, 'id'> {
  _id: string;
}

export const keyModel = (connection: Connection): Model<KeyDoc> => modelOn(connection, 'Key', keySchema, COLLECTIONS.keys);

/**
 * Every write is made with majority (the schema's write concern, write-concern.ts); every id and
 * purpose is checked to be a string before it reaches a filter (src/storage/ids.ts).
 */
export function createMongoKeys(connection: Connection): KeyRepository {
  const Keys = keyModel(connection);
  return {
    list: (purpose) =>
      isId(purpose)
        ? guard(async () => (await Keys.find({ purpose }).sort({ createdAt: 1 }).lean<KeyDoc[]>()).map(({ _id, ...rest }) => ({ ...rest, id: _id }) as StoredKey))
        : Promise.resolve([]),
    add: ({ id, ...rest }) =>
      guard(async () => {
        assertId(id, 'A key');
        // $setOnInsert: adding a key that exists (two instances at first start) changes nothing.
        await Keys.updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true });
      }),
    retire: (id, retiredAt, removeAfter) =>
      guard(async () => {
        if (isId(id)) await Keys.updateOne({ _id: id }, { $set: { retiredAt, removeAfter } });
      }),
    remove: (id) =>
      guard(async () => {
        if (isId(id)) await Keys.deleteOne({ _id: id });
      }),
  };
}
