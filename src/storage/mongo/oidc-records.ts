/**
 * oidc-provider's models in MongoDB, one collection per model. Writes are single-document
 * operations (atomic in MongoDB), so a record is never half written; `consume` is a conditional
 * update, so of two instances racing to consume the same code exactly one wins.
 *
 * No index work happens here: every collection's indexes were built at start-up (index.ts).
 * Every argument that reaches a filter is checked to be a string first (src/storage/ids.ts).
 * Consumes and deletes (revocation, logout) are written with majority (write-concern.ts).
 */
import type { Connection, Model } from 'mongoose';
import { AppError } from '../../errors.js';
import { assertId, isId } from '../ids.js';
import { assertWithinBounds, type AdapterPayload, type OidcModelStore } from '../types.js';
import { ourCondition } from './conditions.js';
import { modelOn } from './model.js';
import { DUPLICATE_KEY, guard } from './outage.js';
import { jsonOf, payloadOf, toRecordDocument, type RecordDoc } from './record-document.js';
import { COLLECTIONS, oidcRecordSchema } from './schemas.js';
import { majority } from './write-concern.js';

/** Records whose expiry has passed count as absent, whatever the TTL monitor has done yet. */
const live = () => ({ $or: [{ expiresAt: null }, { expiresAt: ourCondition({ $gt: new Date() }) }] });


export const recordCollection = (model: string): string => `${COLLECTIONS.oidcPrefix}${model}`;

export function recordModel(connection: Connection, model: string): Model<RecordDoc> {
  const name = recordCollection(model);
  return modelOn(connection, name, oidcRecordSchema, name);
}

/**
 * `onUnreadable`: told of each record read whose payload is not a JSON object (counted as absent,
 * record-document.ts); given the model only, as a record's id may be a token.
 */
export function createMongoModelStore(connection: Connection, model: string, onUnreadable: (model: string) => void = () => undefined): OidcModelStore {
  const Records = recordModel(connection, model);
  const readable = (doc: RecordDoc) => {
    const payload = payloadOf(doc);
    if (payload === undefined) onUnreadable(model);
    return payload;
  };
  // The payload and the consumed mark kept beside it: all a lookup needs.
  const liveDoc = (filter: Record<string, string>) => Records.findOne({ ...filter, ...live() }, { payload: 1, consumed: 1 }).lean<RecordDoc>();
  const findOne = async (filter: Record<string, string>) => {
    const doc = await liveDoc(filter);
    return doc ? readable(doc) : undefined;
  };
  /**
   * Live records matching `filter` (strings only: never an operator), by id; `page`: only those
   * after its id, at most its limit. A page that lost damaged records is filled from further on,
   * so that a short page still means the end (paging.ts, the back-channel sender).
   */
  const findMany = async (filter: Record<string, string>, page?: { limit: number; after?: string }) => {
    const found: { id: string; payload: AdapterPayload }[] = [];
    let from = page?.after === undefined ? undefined : String(page.after);
    for (;;) {
      // `$gt` marked as ours so that sanitizeFilter (connection.ts) leaves it an operator.
      const after = from === undefined ? {} : { _id: ourCondition({ $gt: from }) };
      const query = Records.find({ ...filter, ...after, ...live() }).sort({ _id: 1 });
      const wanted = page ? page.limit - found.length : undefined;
      // limit(0) would be no limit at all in MongoDB.
      if (wanted !== undefined && wanted <= 0) return found;
      const docs = await (wanted === undefined ? query : query.limit(wanted)).lean<RecordDoc[]>();
      for (const doc of docs) {
        const payload = readable(doc);
        if (payload !== undefined) found.push({ id: doc._id, payload });
      }
      if (wanted === undefined || docs.length < wanted || found.length >= page!.limit) return found;
      from = docs[docs.length - 1]!._id;
    }
  };

  /**
   * A record written by an earlier version keeps its payload as a sub-document: a conditional write
   * compares it as the one read, field for field, through the driver itself (mongoose would cast
   * the sub-document to the schema's String and throw: CastError, found by an attacking review,
   * every change of such a client was a 500). Undefined when the record is not such a one, as read.
   */
  const legacyFilter = async (id: string, expectedJson: string) => {
    const current = await liveDoc({ _id: id });
    if (!current || typeof current.payload === 'string' || jsonOf(current) !== expectedJson) return undefined;
    return { _id: id, payload: current.payload, ...live() };
  };

  return {
    upsert: (id, payload, expiresInSeconds, bounds) =>
      guard(async () => {
        assertId(id, model);
        const doc = toRecordDocument(id, payload, expiresInSeconds, Date.now());
        // The text measured is the text written (toRecordDocument's).
        if (bounds) assertWithinBounds(jsonOf(doc), bounds);
        await Records.replaceOne({ _id: id }, doc, { upsert: true });
      }),
    replaceIfUnchanged: (id, expectedJson, payload, expiresInSeconds) =>
      guard(async () => {
        assertId(id, model);
        const doc = toRecordDocument(id, payload, expiresInSeconds, Date.now());
        const replaced = await Records.replaceOne({ _id: id, payload: expectedJson, ...live() }, doc, majority());
        if (replaced.matchedCount === 1) return true;
        const legacy = await legacyFilter(id, expectedJson);
        return legacy !== undefined && (await Records.collection.replaceOne(legacy as never, doc as never, majority())).matchedCount === 1;
      }),
    insertIfAbsent: (id, payload, expiresInSeconds) =>
      guard(async () => {
        assertId(id, model);
        const doc = toRecordDocument(id, payload, expiresInSeconds, Date.now());
        try {
          // The filter matches only a record whose expiry has passed (one the TTL monitor has not
          // removed yet), which is replaced as if absent; with a live record there it matches
          // nothing, and the upsert's insert fails on the _id index: the server decides, so of two
          // instances creating the same id at once exactly one writes.
          await Records.replaceOne({ _id: id, expiresAt: ourCondition({ $lte: new Date() }) }, doc, { upsert: true, ...majority() });
          return true;
        } catch (error) {
          if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
          throw error;
        }
      }),
    destroyIfUnchanged: (id, expectedJson) =>
      guard(async () => {
        if (!isId(id)) return false;
        if ((await Records.deleteOne({ _id: id, payload: expectedJson, ...live() }, majority())).deletedCount === 1) return true;
        const legacy = await legacyFilter(id, expectedJson);
        return legacy !== undefined && (await Records.collection.deleteOne(legacy as never, majority())).deletedCount === 1;
      }),
    // A non-string never reaches a filter: an undefined would match records without the field,
    // an object could be an operator.
    find: (id) => (isId(id) ? guard(() => findOne({ _id: id })) : Promise.resolve(undefined)),
    findJson: (id) =>
      isId(id)
        ? guard(async () => {
            const doc = await liveDoc({ _id: id });
            return doc ? jsonOf(doc) : undefined;
          })
        : Promise.resolve(undefined),
    findByUid: (uid) => (isId(uid) ? guard(() => findOne({ uid })) : Promise.resolve(undefined)),
    findByUserCode: (userCode) => (isId(userCode) ? guard(() => findOne({ userCode })) : Promise.resolve(undefined)),
    consume: (id) =>
      guard(async () => {
        const consumed = Math.floor(Date.now() / 1000);
        const result = isId(id) ? await Records.updateOne({ _id: id, consumed: null, ...live() }, { $set: { consumed } }, majority()) : undefined;
        if (result?.matchedCount !== 1) throw new AppError('already_consumed', `${model} was already consumed or is gone`);
      }),
    destroy: (id) =>
      guard(async () => {
        if (isId(id)) await Records.deleteOne({ _id: id }, majority());
      }),
    revokeByGrantId: (grantId) =>
      guard(async () => {
        if (isId(grantId)) await Records.deleteMany({ grantId }, majority());
      }),
    revokeByClientId: (clientId) =>
      guard(async () => {
        if (isId(clientId)) await Records.deleteMany({ clientId }, majority());
      }),
    list: () => guard(() => findMany({})),
    // The _id index from the cursor on.
    page: (query) => guard(() => findMany({}, query)),
    findByAccountId: (accountId) => (isId(accountId) ? guard(() => findMany({ accountId })) : Promise.resolve([])),
  };
}
