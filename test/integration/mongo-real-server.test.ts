/**
 * What only a real MongoDB can show, run whenever MONGODB_URI is set (each test in a throw-away
 * database, dropped afterwards): the server's own answer to a conflicting index at start-up and
 * the fix the message prints, the indexes it ends up with, and records written by an earlier
 * version (payload as a sub-document) still read. The same paths are shown against a stand-in
 * server in mongo-store-wire.test.ts, which runs everywhere.
 */
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { createLogger } from '../../src/logger.js';
import { createMongoStorage } from '../../src/storage/mongo/index.js';
import { defaultIndexName, storageIndexPlan } from '../../src/storage/mongo/index-plan.js';

const uri = process.env.MONGODB_URI;

// Skipped out loud: the run says these did not run and how to run them.
if (!uri) process.stdout.write('\nMongoDB real-server tests not run: set MONGODB_URI (see README, "Tests against a real MongoDB")\n');

(uri ? describe : describe.skip)('the MongoDB store on a real server (MONGODB_URI)', () => {
  let dbName: string;
  let direct: Connection;
  const start = () => createMongoStorage(uri!, createLogger('silent'), { attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 5000, dbName });
  beforeEach(async () => {
    dbName = `idp_real_${randomBytes(6).toString('hex')}`;
    direct = await mongoose.createConnection(uri!, { dbName, serverSelectionTimeoutMS: 5000 }).asPromise();
  });
  afterEach(async () => {
    await direct.dropDatabase();
    await direct.close();
  });

  it('builds every planned index, TTL included, on an empty database', async () => {
    const storage = await start();
    await storage.close();
    for (const { collection, indexes } of storageIndexPlan()) {
      const existing = await direct.db!.collection(collection).indexes();
      for (const index of indexes) {
        expect(existing.find((found) => found.name === defaultIndexName(index.key))).toMatchObject({ key: index.key, ...index.options });
      }
    }
  });

  it('stops start-up when a TTL index has another expiry, and starts once the printed collMod is run', async () => {
    await direct.db!.collection('oidc_Session').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 3600 });
    const error = (await start().catch((failure: unknown) => failure)) as Error & { code: string };
    expect(error.code).toBe('storage_index_conflict');
    expect(error.message).toContain('collection "oidc_Session"');
    expect(error.message).toContain('db.runCommand({ collMod: "oidc_Session", index: { name: "expiresAt_1", expireAfterSeconds: 0 } })');

    await direct.db!.command({ collMod: 'oidc_Session', index: { name: 'expiresAt_1', expireAfterSeconds: 0 } });
    const storage = await start();
    await storage.close();
    expect((await direct.db!.collection('oidc_Session').indexes()).find((index) => index.name === 'expiresAt_1')).toMatchObject({ expireAfterSeconds: 0 });
  });

  it('stops start-up when an index on the same keys has another name, and starts once the printed dropIndex is run', async () => {
    await direct.db!.collection('accounts').createIndex({ emailNormalized: 1 }, { unique: true, name: 'by_email' });
    const error = (await start().catch((failure: unknown) => failure)) as Error & { code: string };
    expect(error.code).toBe('storage_index_conflict');
    expect(error.message).toContain('db.getCollection("accounts").dropIndex("by_email")');

    await direct.db!.collection('accounts').dropIndex('by_email');
    const storage = await start();
    await storage.close();
  });

  it('still reads, consumes and revokes a record an earlier version wrote as a sub-document', async () => {
    const storage = await start();
    try {
      const payload = { grantId: 'g-legacy', accountId: 'a-legacy', authorizations: { 'client.with.dots': { sid: 's' } } };
      await direct.db!.collection<{ _id: string; [field: string]: unknown }>('oidc_AuthorizationCode').insertOne({ _id: 'legacy', payload, grantId: 'g-legacy', accountId: 'a-legacy', expiresAt: new Date(Date.now() + 60_000) });
      const codes = storage.modelStore('AuthorizationCode');
      expect(await codes.find('legacy')).toEqual(payload);
      expect(await codes.findByAccountId('a-legacy')).toEqual([{ id: 'legacy', payload }]);
      await codes.consume('legacy');
      expect(await codes.find('legacy')).toEqual({ ...payload, consumed: expect.any(Number) });
      await expect(codes.consume('legacy')).rejects.toMatchObject({ code: 'already_consumed' });
      await codes.revokeByGrantId('g-legacy');
      expect(await codes.find('legacy')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});
