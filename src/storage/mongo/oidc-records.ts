/**
 * oidc-provider's models in MongoDB, one collection per model. Writes are single-document
 * operations (atomic in MongoDB), so a record is never half written; `consume` is a conditional
 * update, so of two instances racing to consume the same code exactly one wins.
 *
 * No index work happens here: every collection's indexes were built at start-up (index.ts).
 */
import type { Connection, Model } from 'mongoose';
import { AppError } from '../../errors.js';
import type { AdapterPayload, OidcModelStore } from '../types.js';
import { modelOn } from './model.js';
import { guard } from './outage.js';
import { COLLECTIONS, oidcRecordSchema } from './schemas.js';

interface RecordDoc {
  _id: string;
  payload: AdapterPayload;
  uid?: string;
  userCode?: string;
  grantId?: string;
  accountId?: string;
  consumed?: number;
  expiresAt?: Date;
}

/** Records whose expiry has passed count as absent, whatever the TTL monitor has done yet. */
const live = () => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] });

export const recordCollection = (model: string): string => `${COLLECTIONS.oidcPrefix}${model}`;

export function recordModel(connection: Connection, model: string): Model<RecordDoc> {
  const name = recordCollection(model);
  return modelOn(connection, name, oidcRecordSchema, name);
}

export function createMongoModelStore(connection: Connection, model: string): OidcModelStore {
  const Records = recordModel(connection, model);
  const run = guard;
  const payloadOf = (doc: Pick<RecordDoc, 'payload'> | null) => (doc ? doc.payload : undefined);

  return {
    upsert: (id, payload, expiresInSeconds) =>
      run(async () => {
        const doc: RecordDoc = { _id: id, payload };
        if (payload.uid) doc.uid = payload.uid;
        if (payload.userCode) doc.userCode = payload.userCode;
        if (payload.grantId) doc.grantId = payload.grantId;
        if (payload.accountId) doc.accountId = payload.accountId;
        if (typeof payload.consumed === 'number') doc.consumed = payload.consumed;
        if (typeof expiresInSeconds === 'number') doc.expiresAt = new Date(Date.now() + expiresInSeconds * 1000);
        await Records.replaceOne({ _id: id }, doc, { upsert: true });
      }),
    find: (id) => run(async () => payloadOf(await Records.findOne({ _id: id, ...live() }, { payload: 1 }).lean<RecordDoc>())),
    // An undefined value would reach MongoDB as null and match records without the field.
    findByUid: (uid) => (typeof uid !== 'string' ? Promise.resolve(undefined) : run(async () => payloadOf(await Records.findOne({ uid, ...live() }, { payload: 1 }).lean<RecordDoc>()))),
    findByUserCode: (userCode) =>
      typeof userCode !== 'string' ? Promise.resolve(undefined) : run(async () => payloadOf(await Records.findOne({ userCode, ...live() }, { payload: 1 }).lean<RecordDoc>())),
    consume: (id) =>
      run(async () => {
        const consumed = Math.floor(Date.now() / 1000);
        const result = await Records.updateOne({ _id: id, consumed: null, ...live() }, { $set: { consumed, 'payload.consumed': consumed } });
        if (result.matchedCount !== 1) throw new AppError('already_consumed', `${model} was already consumed or is gone`);
      }),
    destroy: (id) =>
      run(async () => {
        await Records.deleteOne({ _id: id });
      }),
    revokeByGrantId: (grantId) =>
      typeof grantId !== 'string'
        ? Promise.resolve()
        : run(async () => {
            await Records.deleteMany({ grantId });
          }),
    list: () => run(async () => (await Records.find(live()).sort({ _id: 1 }).lean<RecordDoc[]>()).map((doc) => ({ id: doc._id, payload: doc.payload }))),
    findByAccountId: (accountId) =>
      typeof accountId !== 'string' ? Promise.resolve([]) : run(async () => (await Records.find({ accountId, ...live() }).lean<RecordDoc[]>()).map((doc) => ({ id: doc._id, payload: doc.payload }))),
  };
}
