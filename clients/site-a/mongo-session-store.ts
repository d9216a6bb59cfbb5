/**
 * site-a's sessions in MongoDB, shared by every site-a process and kept across restarts. Lookups
 * by id (`_id`), by `sid` and by `sub` (back-channel logout) have indexes; a TTL index on
 * `expiresAt` cleans up (reads compare it themselves: the monitor runs about once a minute).
 * The bound and its rule are the memory store's: past `maxSessions`, the oldest sessions go.
 */
import { Schema, type Connection } from 'mongoose';
import { buildIndexes } from '../../src/storage/mongo/build-indexes.js';
import { ourCondition } from '../../src/storage/mongo/conditions.js';
import { schemaIndexes } from '../../src/storage/mongo/index-plan.js';
import { guard } from '../../src/storage/mongo/outage.js';
import { modelOn } from '../../src/storage/mongo/model.js';
import { majority } from '../../src/storage/mongo/write-concern.js';
import { siteCollection } from '../shared/state/mongo-connection.js';
import { isSessionId, newSessionId, type SessionStore, type SessionStoreOptions, type SiteSession } from './session-store.js';

interface SessionDoc {
  _id: string;
  sub: string;
  sid?: string;
  /**
   * The userinfo claims as JSON text: their names come from the IdP and may hold `$` or `.`,
   * which don't belong in BSON field names.
   */
  claims: string;
  idToken?: string;
  createdAt: Date;
  expiresAt: Date;
}

const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    sub: { type: String, required: true },
    sid: { type: String },
    claims: { type: String, required: true },
    idToken: { type: String },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: true, autoIndex: false },
);
sessionSchema.index({ sid: 1 }, { sparse: true });
sessionSchema.index({ sub: 1 });
// Which sessions go first when the bound is reached.
sessionSchema.index({ createdAt: 1 });
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

function toSession(doc: SessionDoc): SiteSession {
  return {
    sub: doc.sub,
    ...(doc.sid === undefined ? {} : { sid: doc.sid }),
    claims: JSON.parse(doc.claims) as Record<string, unknown>,
    ...(doc.idToken === undefined ? {} : { idToken: doc.idToken }),
    createdAt: doc.createdAt.getTime(),
    expiresAt: doc.expiresAt.getTime(),
  };
}

export async function openMongoSessionStore(connection: Connection, clientId: string, options: SessionStoreOptions): Promise<SessionStore> {
  const now = options.now ?? Date.now;
  const collection = siteCollection('sessions', clientId);
  const model = modelOn<SessionDoc>(connection, collection, sessionSchema, collection);
  await buildIndexes(connection.db!, [{ collection, indexes: schemaIndexes(sessionSchema) }]);
  const unexpired = () => ourCondition({ $gt: new Date(now()) });

  async function keepWithinBound(): Promise<void> {
    // The estimate (collection metadata, no scan) also counts expired sessions the TTL monitor
    // has not removed yet: an over-count only leads to the exact count below. Two processes
    // evicting at once may remove one session too many: early, never late.
    if ((await model.estimatedDocumentCount()) <= options.maxSessions) return;
    await model.deleteMany({ expiresAt: ourCondition({ $lte: new Date(now()) }) });
    const excess = (await model.countDocuments()) - options.maxSessions;
    if (excess <= 0) return;
    const oldest = await model.find({}, { _id: 1 }).sort({ createdAt: 1 }).limit(excess).lean<Pick<SessionDoc, '_id'>[]>();
    await model.deleteMany({ _id: ourCondition({ $in: oldest.map((session) => session._id) }) });
  }

  return {
    create: (data) =>
      guard(async () => {
        const id = newSessionId();
        const at = now();
        await model.create({
          _id: id,
          sub: data.sub,
          ...(data.sid === undefined ? {} : { sid: data.sid }),
          claims: JSON.stringify(data.claims),
          ...(data.idToken === undefined ? {} : { idToken: data.idToken }),
          createdAt: new Date(at),
          expiresAt: new Date(at + options.ttlSeconds * 1000),
        });
        await keepWithinBound();
        return id;
      }),
    get: (id) =>
      guard(async () => {
        if (!isSessionId(id)) return undefined;
        const doc = await model.findOne({ _id: id, expiresAt: unexpired() }).lean<SessionDoc>();
        return doc ? toSession(doc) : undefined;
      }),
    // Sign-outs are written with majority (write-concern.ts): a session a failover brings back
    // would sign the person in again.
    destroy: (id) =>
      guard(async () => {
        if (isSessionId(id)) await model.deleteOne({ _id: id }, majority());
      }),
    destroyWhere: ({ sid, sub }) =>
      guard(async () => {
        // Only strings reach the filter (they come from a verified logout token, which checks them too).
        const filter = typeof sid === 'string' && sid ? { sid } : typeof sub === 'string' && sub ? { sub } : undefined;
        if (!filter) return 0;
        const { deletedCount } = await model.deleteMany(filter, majority());
        return deletedCount;
      }),
    size: () => guard(() => model.countDocuments({ expiresAt: unexpired() })),
  };
}
