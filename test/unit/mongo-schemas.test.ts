import mongoose from 'mongoose';
import { STORED_MODELS } from '../../src/storage/models.js';
import { connectionOptions } from '../../src/storage/mongo/connection.js';
import { defaultIndexName, storageIndexPlan } from '../../src/storage/mongo/index-plan.js';
import { accountSchema, auditSchema, keySchema, oidcRecordSchema } from '../../src/storage/mongo/schemas.js';
import { maskMongoUri, mongoPasswords } from '../../src/storage/mongo/uri.js';
import { isOutage } from '../../src/storage/mongo/outage.js';

type IndexSpec = [Record<string, unknown>, Record<string, unknown>];
const indexes = (schema: mongoose.Schema) => schema.indexes() as IndexSpec[];
const indexOn = (schema: mongoose.Schema, field: string) => indexes(schema).find(([fields]) => Object.keys(fields).join() === field);

describe('oidc record schema', () => {
  it('has a TTL index that deletes records at expiresAt', () => {
    expect(indexOn(oidcRecordSchema, 'expiresAt')?.[1]).toMatchObject({ expireAfterSeconds: 0 });
  });

  it('indexes every lookup the store makes: uid, userCode, grantId, accountId, clientId', () => {
    for (const field of ['uid', 'userCode', 'grantId', 'accountId', 'clientId']) expect(indexOn(oidcRecordSchema, field)?.[1]).toMatchObject({ sparse: true });
  });

  it('keeps the payload as text (record-document.ts says why)', () => {
    expect(oidcRecordSchema.path('payload').instance).toBe('String');
  });

  it('requires an id and a payload, and rejects unknown fields', async () => {
    const Record = mongoose.model('SchemaProbeRecord', oidcRecordSchema);
    const error = new Record({}).validateSync();
    expect(Object.keys(error?.errors ?? {}).sort()).toEqual(['_id', 'payload']);
    expect(new Record({ _id: 'a', payload: {}, surprise: 1 }).toObject()).not.toHaveProperty('surprise');
  });
});

describe('account schema', () => {
  it('has a unique index on the normalized email', () => {
    expect(indexOn(accountSchema, 'emailNormalized')?.[1]).toMatchObject({ unique: true });
  });

  it('requires email, normalized email, name, password hash and timestamps', () => {
    const Account = mongoose.model('SchemaProbeAccount', accountSchema);
    const error = new Account({}).validateSync();
    expect(Object.keys(error?.errors ?? {}).sort()).toEqual(['_id', 'createdAt', 'email', 'emailNormalized', 'name', 'passwordHash', 'updatedAt']);
  });
});

describe('audit schema', () => {
  it('has an index for each listing, its filter first and then the whole sort (at, _id, descending)', () => {
    // audit.ts lists by at then _id, both descending, optionally of one type or one account.
    for (const prefix of [[], ['type'], ['accountId']]) {
      const keys = [...prefix, 'at', '_id'].join();
      const found = indexOn(auditSchema, keys);
      expect([keys, found?.[0]]).toEqual([keys, { ...Object.fromEntries(prefix.map((field) => [field, 1])), at: -1, _id: -1 }]);
    }
  });
});

describe('key schema', () => {
  it('accepts only the two purposes and the two signing algorithms', () => {
    const Key = mongoose.model('SchemaProbeKey', keySchema);
    const error = new Key({ _id: 'k', purpose: 'other', alg: 'HS256', material: {}, createdAt: new Date(), activatesAt: new Date() }).validateSync();
    expect(Object.keys(error?.errors ?? {}).sort()).toEqual(['alg', 'purpose']);
    expect(indexOn(keySchema, 'removeAfter')?.[1]).toMatchObject({ expireAfterSeconds: 0 });
  });
});

describe('write concern of the security-relevant collections', () => {
  it('writes accounts (disable, password, accessEndedAt) and keys with majority', () => {
    expect(accountSchema.get('writeConcern')).toEqual({ w: 'majority' });
    expect(keySchema.get('writeConcern')).toEqual({ w: 'majority' });
  });
});

describe('the index plan built at start-up', () => {
  const plan = storageIndexPlan();
  const collections = plan.map((entry) => entry.collection);

  it('covers one collection per stored model, accounts, keys, the audit trail and the rate limits', () => {
    expect(collections).toEqual([...STORED_MODELS.map((model) => `oidc_${model}`), 'accounts', 'keys', 'audit_events', 'rate_limits']);
    expect(new Set(collections).size).toBe(collections.length);
  });

  it('builds every index each schema declares, TTL included', () => {
    const of = (collection: string) => plan.find((entry) => entry.collection === collection)!.indexes;
    expect(of('oidc_Session')).toHaveLength(oidcRecordSchema.indexes().length);
    expect(of('oidc_Session')).toContainEqual({ key: { expiresAt: 1 }, options: { expireAfterSeconds: 0 } });
    expect(of('accounts')).toEqual([{ key: { emailNormalized: 1 }, options: { unique: true } }]);
    expect(of('keys')).toContainEqual({ key: { removeAfter: 1 }, options: { expireAfterSeconds: 0 } });
    expect(of('audit_events')).toHaveLength(auditSchema.indexes().length);
    // The same as rate-limiter-flexible's own createIndexes, so its earlier builds don't conflict.
    expect(of('rate_limits')).toEqual([{ key: { expire: -1 }, options: { expireAfterSeconds: 0 } }, { key: { key: 1 }, options: { unique: true } }]);
  });

  it('names indexes as MongoDB does by default, so the indexes of existing deployments match', () => {
    expect(defaultIndexName({ expiresAt: 1 })).toBe('expiresAt_1');
    expect(defaultIndexName({ type: 1, at: -1 })).toBe('type_1_at_-1');
  });
});

describe('connection options', () => {
  it('bound every wait: server selection, connecting, the pool queue and an unanswered socket', () => {
    expect(connectionOptions({ attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 1500, socketTimeoutMs: 2500, maxPoolSize: 7 })).toMatchObject({
      serverSelectionTimeoutMS: 1500,
      connectTimeoutMS: 1500,
      waitQueueTimeoutMS: 1500,
      socketTimeoutMS: 2500,
      maxPoolSize: 7,
    });
  });

  it('default to a 5 s socket timeout and 20 connections, with filters sanitized and no lazy index or collection work', () => {
    expect(connectionOptions({ attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 1000 })).toMatchObject({
      socketTimeoutMS: 5000,
      maxPoolSize: 20,
      sanitizeFilter: true,
      autoIndex: false,
      autoCreate: false,
      bufferCommands: false,
    });
  });
});

describe('maskMongoUri', () => {
  it('hides the password and keeps user, hosts, database and options', () => {
    expect(maskMongoUri('mongodb://admin:s3cr%40t@db1:27017,db2:27017/idp?replicaSet=rs0')).toBe('mongodb://admin:****@db1:27017,db2:27017/idp?replicaSet=rs0');
    expect(maskMongoUri('mongodb+srv://app:pw@cluster0.example.net/idp')).toBe('mongodb+srv://app:****@cluster0.example.net/idp');
  });

  it('leaves a URI without credentials as it is', () => {
    expect(maskMongoUri('mongodb://localhost:27017/idp')).toBe('mongodb://localhost:27017/idp');
    expect(mongoPasswords('mongodb://localhost:27017/idp')).toEqual([]);
  });

  it('masks the whole password of a mistyped URI (unescaped @ or /), never a part of it', () => {
    expect(maskMongoUri('mongodb://u:p@ss@host/db')).toBe('mongodb://u:****@host/db');
    expect(maskMongoUri('mongodb://u:pa/ss@host/db')).toBe('mongodb://u:****@host/db');
  });

  it('knows the password as written and decoded, to scrub driver messages', () => {
    expect(mongoPasswords('mongodb://u:s3cr%40t@h/db')).toEqual(['s3cr%40t', 's3cr@t']);
  });
});

describe('isOutage', () => {
  it('recognizes the driver errors that mean the database is unreachable', () => {
    const selection = Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoServerSelectionError' });
    expect(isOutage(selection)).toBe(true);
    expect(isOutage(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError' }))).toBe(false);
    expect(isOutage(Object.assign(new Error('pool cleared'), { name: 'PoolClearedOnNetworkError' }))).toBe(true);
    expect(isOutage(new mongoose.mongo.MongoNetworkError('socket hang up'))).toBe(true);
    expect(isOutage(new mongoose.mongo.MongoServerError({ message: 'not primary', code: 10107 }))).toBe(true);
    expect(isOutage(new mongoose.mongo.MongoServerError({ message: 'duplicate', code: 11000 }))).toBe(false);
  });
});
