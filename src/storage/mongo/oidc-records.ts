/**
 * oidc-provider's models in MongoDB, one collection per model. Writes are single-document
 * operations (atomic in MongoDB), so a record is never half written; `consume` is a conditional
 * update, so of two instances racing to consume the same code exactly one wins.
 *
 * No index work happens here: every collection's indexes were built at start-up (index.ts).
 * Payloads are kept as JSON text (record-document.ts).
 */
import type { Connection, Model } from 'mongoose';
import { AppError } from '../../errors.js';
import type { OidcModelStore } from '../types.js';
import { modelOn } from './model.js';
import { guard } from './outage.js';
import { payloadOf, toRecordDocument, type RecordDoc } from './record-document.js';
import { COLLECTIONS, oidcRecordSchema } from './schemas.js';

/** Records whose expiry has passed count as absent, whatever the TTL monitor has done yet. */
const live = () => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] });

/** What a lookup reads: the payload and the consumed mark kept beside it. */
const PAYLOAD = { payload: 1, consumed: 1 } as const;

export const recordCollection = (model: string): string => `${COLLECTIONS.oidcPrefix}${model}`;

export function recordModel(connection: Connection, model: string): Model<RecordDoc> {
  const name = recordCollection(model);
  return modelOn(connection, name, oidcRecordSchema, name);
}

export function createMongoModelStore(connection: Connection, model: string): OidcModelStore {
  const Records = recordModel(connection, model);
  const findOne = async (filter: Record<string, unknown>) => {
    const doc = await Records.findOne({ ...filter, ...live() }, PAYLOAD).lean<RecordDoc>();
    return doc ? payloadOf(doc) : undefined;
  };
  const findMany = async (filter: Record<string, unknown>) =>
    (await Records.find({ ...filter, ...live() }).sort({ _id: 1 }).lean<RecordDoc[]>()).map((doc) => ({ id: doc._id, payload: payloadOf(doc) }));

  return {
    upsert: (id, payload, expiresInSeconds) =>
      guard(async () => {
        await Records.replaceOne({ _id: id }, toRecordDocument(id, payload, expiresInSeconds, Date.now()), { upsert: true });
      }),
    find: (id) => guard(() => findOne({ _id: id })),
    // An undefined value would reach MongoDB as null and match records without the field.
    findByUid: (uid) => (typeof uid !== 'string' ? Promise.resolve(undefined) : guard(() => findOne({ uid }))),
    findByUserCode: (userCode) => (typeof userCode !== 'string' ? Promise.resolve(undefined) : guard(() => findOne({ userCode }))),
    consume: (id) =>
      guard(async () => {
        const consumed = Math.floor(Date.now() / 1000);
        const result = await Records.updateOne({ _id: id, consumed: null, ...live() }, { $set: { consumed } });
        if (result.matchedCount !== 1) throw new AppError('already_consumed', `${model} was already consumed or is gone`);
      }),
    destroy: (id) =>
      guard(async () => {
        await Records.deleteOne({ _id: id });
      }),
    revokeByGrantId: (grantId) =>
      typeof grantId !== 'string'
        ? Promise.resolve()
        : guard(async () => {
            await Records.deleteMany({ grantId });
          }),
    list: () => guard(() => findMany({})),
    findByAccountId: (accountId) => (typeof accountId !== 'string' ? Promise.resolve([]) : guard(() => findMany({ accountId }))),
  };
}
