/**
 * Mongoose schemas: one collection per stored model (`oidc_<Model>`, src/storage/models.ts), plus
 * accounts, keys and the audit trail. Every lookup the adapter makes has an index, and `expiresAt`
 * carries a TTL index. MongoDB's TTL monitor runs about once a minute, so it only cleans up: reads
 * filter expired records too. The indexes declared here are built at start-up (build-indexes.ts).
 */
import { Schema } from 'mongoose';
import { majority } from './write-concern.js';

export const oidcRecordSchema = new Schema(
  {
    _id: { type: String, required: true },
    // JSON text (record-document.ts says why). Earlier versions stored a sub-document: reads use
    // lean(), which hands those back uncast, so both forms are read.
    payload: { type: String, required: true },
    // Copies of the payload fields the adapter looks records up by.
    uid: { type: String },
    userCode: { type: String },
    grantId: { type: String },
    accountId: { type: String },
    clientId: { type: String },
    /** epoch seconds; set once by consume */
    consumed: { type: Number },
    expiresAt: { type: Date },
  },
  { versionKey: false, minimize: false, strict: true, autoIndex: false },
);
oidcRecordSchema.index({ uid: 1 }, { sparse: true });
oidcRecordSchema.index({ userCode: 1 }, { sparse: true });
oidcRecordSchema.index({ grantId: 1 }, { sparse: true });
oidcRecordSchema.index({ accountId: 1 }, { sparse: true });
oidcRecordSchema.index({ clientId: 1 }, { sparse: true });
oidcRecordSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const accountSchema = new Schema(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    /** lowercase email: what uniqueness and lookups use, so Alice@ and alice@ are one account */
    emailNormalized: { type: String, required: true },
    name: { type: String, required: true },
    givenName: { type: String },
    familyName: { type: String },
    emailVerified: { type: Boolean, required: true, default: false },
    passwordHash: { type: String, required: true },
    disabled: { type: Boolean, required: true, default: false },
    accessEndedAt: { type: Date },
    otherSessionsEndedAt: { type: Date },
    keptSessionUid: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  // Every account write is security-relevant (disable, password, accessEndedAt): write-concern.ts.
  { versionKey: false, strict: true, autoIndex: false, ...majority() },
);
accountSchema.index({ emailNormalized: 1 }, { unique: true });

export const keySchema = new Schema(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true, enum: ['signing', 'cookie', 'pseudonym', 'bootstrap', 'factor'] },
    alg: { type: String, enum: ['RS256', 'ES256'] },
    material: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    activatesAt: { type: Date, required: true },
    retiredAt: { type: Date },
    removeAfter: { type: Date },
  },
  // Every key write (add, retire, remove) must survive a failover: write-concern.ts.
  { versionKey: false, minimize: false, strict: true, autoIndex: false, ...majority() },
);
keySchema.index({ purpose: 1, activatesAt: 1 });
// Clean-up only: keys past removeAfter are ignored by the key ring whether deleted yet or not.
keySchema.index({ removeAfter: 1 }, { expireAfterSeconds: 0 });

export const auditSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    type: { type: String, required: true },
    source: { type: String },
    subject: { type: String },
    accountId: { type: String },
    clientId: { type: String },
    // Flat facts of our own (counts, limits, reasons), never client-controlled objects.
    detail: { type: Schema.Types.Mixed },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: true, autoIndex: false },
);
// The listing's sort (at, then _id, both descending: audit.ts) in full after each filter, so a
// page is read off the index rather than sorted in memory from every matching event of the
// retention period. Indexes of earlier versions ({at:-1}, {type:1,at:-1}, {accountId:1,at:-1})
// stay in existing databases unused until an operator drops them.
auditSchema.index({ at: -1, _id: -1 });
auditSchema.index({ type: 1, at: -1, _id: -1 });
auditSchema.index({ accountId: 1, at: -1, _id: -1 }, { sparse: true });
// Retention is per event (expiresAt), so changing it needs no index rebuild.
auditSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const COLLECTIONS = { accounts: 'accounts', keys: 'keys', rateLimits: 'rate_limits', audit: 'audit_events', oidcPrefix: 'oidc_' } as const;
