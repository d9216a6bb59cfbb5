/**
 * The deny-list in MongoDB, shared by every site-b process and kept across restarts: with it the
 * list is restored the moment site-b starts, so no start cut-off is needed (deny-list.ts).
 *
 * One collection: `sid:<sid>` and `sub:<sub>` entries and one `cutoff` document, each with the
 * time before which it refuses tokens and `forgetAt` (TTL index). The bound and the overflow rule
 * are the memory list's: past `maxEntries`, the oldest entries go and the cut-off takes over what
 * they refused. The cut-off is written before they are deleted, so no moment refuses less.
 */
import { Schema, type Connection } from 'mongoose';
import { buildIndexes } from '../../src/storage/mongo/build-indexes.js';
import { ourCondition } from '../../src/storage/mongo/conditions.js';
import { schemaIndexes } from '../../src/storage/mongo/index-plan.js';
import { guard } from '../../src/storage/mongo/outage.js';
import { modelOn } from '../../src/storage/mongo/model.js';
import { majority } from '../../src/storage/mongo/write-concern.js';
import { siteCollection } from '../shared/state/mongo-connection.js';
import { refusalOf, type DenyList, type DenyListOptions, type Refusal } from './deny-list.js';

interface DenialDoc {
  _id: string;
  refuseIssuedBefore: number;
  forgetAt: Date;
}

const denialSchema = new Schema(
  { _id: { type: String, required: true }, refuseIssuedBefore: { type: Number, required: true }, forgetAt: { type: Date, required: true } },
  { versionKey: false, strict: true, autoIndex: false },
);
// Removes entries whose tokens have all expired; also orders the entries oldest first for eviction.
// Clean-up only: the monitor runs about once a minute, so reads compare forgetAt themselves.
denialSchema.index({ forgetAt: 1 }, { expireAfterSeconds: 0 });

const CUTOFF = 'cutoff';
/** Every entry but the cut-off; a fresh object each time (ourCondition marks it). */
const entries = () => ({ _id: ourCondition({ $ne: CUTOFF }) });

export async function openMongoDenyList(connection: Connection, clientId: string, options: DenyListOptions): Promise<DenyList> {
  const now = options.now ?? Date.now;
  const collection = siteCollection('denials', clientId);
  const model = modelOn<DenialDoc>(connection, collection, denialSchema, collection);
  await buildIndexes(connection.db!, [{ collection, indexes: schemaIndexes(denialSchema) }]);
  const unexpired = () => ourCondition({ $gt: new Date(now()) });

  /**
   * Merges a refusal into a document, never lowering either field. With majority
   * (write-concern.ts): a refusal a failover rolls back would let a signed-out token work again.
   */
  const widen = (id: string, refusal: Refusal) =>
    model.updateOne({ _id: id }, { $max: { refuseIssuedBefore: refusal.refuseIssuedBefore, forgetAt: new Date(refusal.forgetAt) } }, { upsert: true, ...majority() });

  async function keepWithinBound(): Promise<void> {
    // The estimate (collection metadata, no scan) also counts the cut-off and expired entries the
    // TTL monitor has not removed yet: an over-count only leads to the exact count below.
    if ((await model.estimatedDocumentCount()) <= options.maxEntries) return;
    await model.deleteMany({ ...entries(), forgetAt: ourCondition({ $lte: new Date(now()) }) });
    const excess = (await model.countDocuments(entries())) - options.maxEntries;
    if (excess <= 0) return;
    const oldest = await model.find(entries()).sort({ forgetAt: 1 }).limit(excess).lean<DenialDoc[]>();
    if (oldest.length === 0) return;
    await widen(CUTOFF, {
      refuseIssuedBefore: Math.max(...oldest.map((entry) => entry.refuseIssuedBefore)),
      forgetAt: Math.max(...oldest.map((entry) => entry.forgetAt.getTime())),
    });
    await model.deleteMany({ _id: ourCondition({ $in: oldest.map((entry) => entry._id) }) });
  }

  return {
    // Ids are built from strings only (they come from verified tokens, which check them too).
    deny: ({ sid, sub, iat }) =>
      guard(async () => {
        const id = typeof sid === 'string' && sid ? `sid:${sid}` : typeof sub === 'string' && sub ? `sub:${sub}` : undefined;
        if (!id) return;
        await widen(id, refusalOf(iat, now(), options.ttlSeconds));
        await keepWithinBound();
      }),
    isDenied: ({ sid, sub, iat }) =>
      guard(async () => {
        // One round trip: the token's sid entry, its person's entry and the cut-off.
        const ids = [...(typeof sub === 'string' ? [`sub:${sub}`] : []), CUTOFF, ...(typeof sid === 'string' && sid ? [`sid:${sid}`] : [])];
        const live = await model.find({ _id: ourCondition({ $in: ids }), forgetAt: unexpired() }).lean<DenialDoc[]>();
        return live.some((entry) => entry._id.startsWith('sid:') || iat < entry.refuseIssuedBefore);
      }),
    size: () => guard(() => model.countDocuments({ ...entries(), forgetAt: unexpired() })),
  };
}
