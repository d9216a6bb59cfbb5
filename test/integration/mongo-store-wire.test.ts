/**
 * The MongoDB store as the driver really drives it, against a stand-in server that records every
 * command (test/support/fake-mongo.ts): what is sent at start-up, in which filters, with which
 * write concern, and how long an operation waits on a server that stops answering. No MongoDB is
 * needed; the storage contract covers what a real server answers (with MONGODB_URI).
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { connectSiteMongo } from '../../clients/shared/state/mongo-connection.js';
import { openMongoReplayCache } from '../../clients/shared/state/mongo-replay-cache.js';
import { openMongoSessionStore } from '../../clients/site-a/mongo-session-store.js';
import { openMongoDenyList } from '../../clients/site-b/mongo-deny-list.js';
import { createLogger } from '../../src/logger.js';
import { EMAIL_SEARCH_MAX_MS, emailSearchMaxMs } from '../../src/storage/mongo/accounts.js';
import { createMongoStorage, type MongoStorage } from '../../src/storage/mongo/index.js';
import { defaultIndexName, storageIndexPlan } from '../../src/storage/mongo/index-plan.js';
import { startFakeMongo, type FakeMongo, type ReceivedCommand } from '../support/fake-mongo.js';

type Doc = Record<string, unknown>;

const SOCKET_TIMEOUT_MS = 300;
const open = (fake: FakeMongo) =>
  createMongoStorage(fake.uri(), createLogger('silent'), { attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 2000, socketTimeoutMs: SOCKET_TIMEOUT_MS });

const onCollection = (command: ReceivedCommand) => String(command.body[command.name]);
const writeConcernOf = (command: ReceivedCommand | undefined) => command?.body.writeConcern;
const elapsed = async (operation: () => Promise<unknown>) => {
  const started = Date.now();
  const outcome = await operation().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { ms: Date.now() - started, error: outcome };
};

describe('the MongoDB store on the wire (a stand-in server, no MongoDB needed)', () => {
  let fake: FakeMongo;
  beforeEach(async () => {
    fake = await startFakeMongo();
  });
  afterEach(() => fake.close());

  describe('at start-up', () => {
    it('builds every index of every collection before it is ready, and does no index work while serving', async () => {
      const storage = await open(fake);
      try {
        const built = fake.commands().filter((command) => command.name === 'createIndexes');
        const names = (collection: string) => built.filter((command) => onCollection(command) === collection).flatMap((command) => (command.body.indexes as { name: string }[]).map((index) => index.name));
        for (const { collection, indexes } of storageIndexPlan()) expect(names(collection).sort()).toEqual(indexes.map((index) => defaultIndexName(index.key)).sort());
        const ttl = built.find((command) => onCollection(command) === 'oidc_Session' && (command.body.indexes as { name: string }[])[0]!.name === 'expiresAt_1');
        expect((ttl!.body.indexes as Doc[])[0]).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });

        const before = fake.commands().length;
        for (const model of ['Session', 'AccessToken', 'ClientTrust']) {
          const store = storage.modelStore(model);
          await store.upsert('k', { uid: 'u' }, 60);
          await store.find('k');
          await store.findByUid('u');
          await store.destroy('k');
        }
        await storage.accounts.findByEmail('a@example.com');
        await storage.audit.list({ limit: 1 });
        const serving = fake.commands().slice(before).map((command) => command.name);
        expect(serving.length).toBeGreaterThan(0);
        expect(serving.filter((name) => ['createIndexes', 'create', 'listIndexes'].includes(name))).toEqual([]);
      } finally {
        await storage.close();
      }
    });

    it('stops with the fix when the database has the TTL index with another expiry (IndexOptionsConflict)', async () => {
      fake.answer((command) => {
        if (command.name === 'createIndexes' && onCollection(command) === 'oidc_Session' && (command.body.indexes as Doc[])[0]!.name === 'expiresAt_1') {
          return { ok: 0, code: 85, codeName: 'IndexOptionsConflict', errmsg: 'An equivalent index already exists with the same name but different options.' };
        }
        if (command.name === 'listIndexes' && onCollection(command) === 'oidc_Session') {
          return { ok: 1, cursor: { id: 0n, ns: 'idp.oidc_Session', firstBatch: [{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 3600 }] } };
        }
        return undefined;
      });
      const error = await open(fake).catch((failure: unknown) => failure);
      expect(error).toMatchObject({ code: 'storage_index_conflict', expose: true });
      const message = (error as Error).message;
      expect(message).toContain('collection "oidc_Session"');
      expect(message).toContain('"expiresAt_1" on {"expiresAt":1} with {"expireAfterSeconds":3600}');
      expect(message).toContain('db.runCommand({ collMod: "oidc_Session", index: { name: "expiresAt_1", expireAfterSeconds: 0 } })');
      expect(message).not.toMatch(/cannot be reached|Cannot connect/);
    });

    it('stops with the fix when an index of that name has other keys (IndexKeySpecsConflict)', async () => {
      fake.answer((command) => {
        if (command.name === 'createIndexes' && onCollection(command) === 'accounts') {
          return { ok: 0, code: 86, codeName: 'IndexKeySpecsConflict', errmsg: 'An existing index has the same name as the requested index but different keys.' };
        }
        if (command.name === 'listIndexes') return { ok: 1, cursor: { id: 0n, ns: 'idp.accounts', firstBatch: [{ v: 2, key: { email: 1 }, name: 'emailNormalized_1' }] } };
        return undefined;
      });
      const error = (await open(fake).catch((failure: unknown) => failure)) as Error;
      expect(error).toMatchObject({ code: 'storage_index_conflict' });
      expect(error.message).toContain('Fix: db.getCollection("accounts").dropIndex("emailNormalized_1"), then start the IdP again');
    });

    it('reports a database that refuses to build indexes for another reason as unavailable, naming it', async () => {
      fake.answer((command) => (command.name === 'createIndexes' ? { ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on idp to execute command { createIndexes }' } : undefined));
      const error = (await open(fake).catch((failure: unknown) => failure)) as Error;
      expect(error).toMatchObject({ code: 'storage_unavailable' });
      expect(error.message).toMatch(/Cannot create the indexes in MongoDB at mongodb:\/\/127\.0\.0\.1:\d+\/idp: not authorized/);
    });
  });

  it('gives up starting on a server that accepts connections and never answers, in bounded time', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { ms, error } = await elapsed(() =>
        createMongoStorage(`mongodb://127.0.0.1:${port}/idp`, createLogger('silent'), { attempts: 2, retryDelayMs: 0, serverSelectionTimeoutMs: 400, socketTimeoutMs: SOCKET_TIMEOUT_MS }),
      );
      expect(error).toMatchObject({ code: 'storage_unavailable' });
      expect((error as Error).message).toContain(`Cannot connect to MongoDB at mongodb://127.0.0.1:${port}/idp after 2 attempts`);
      expect(ms).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });

  describe('a server that stops answering', () => {
    let storage: MongoStorage;
    beforeEach(async () => {
      storage = await open(fake);
    });
    afterEach(() => storage.close());

    it('fails a read in bounded time (about twice the socket timeout: one retry) as storage_unavailable', async () => {
      fake.answer((command) => (command.name === 'find' ? 'hang' : undefined));
      const { ms, error } = await elapsed(() => storage.modelStore('Session').find('some-id'));
      expect(error).toMatchObject({ code: 'storage_unavailable', status: 503 });
      expect(ms).toBeGreaterThanOrEqual(SOCKET_TIMEOUT_MS);
      expect(ms).toBeLessThan(4 * SOCKET_TIMEOUT_MS + 1000);
    });

    it('fails a consume as storage_unavailable, never as already consumed', async () => {
      fake.answer((command) => (command.name === 'update' ? 'hang' : undefined));
      const { ms, error } = await elapsed(() => storage.modelStore('AuthorizationCode').consume('code-id'));
      expect(error).toMatchObject({ code: 'storage_unavailable' });
      expect(ms).toBeLessThan(4 * SOCKET_TIMEOUT_MS + 1000);
    });

    it('fails a rate-limit count and an account lookup the same way', async () => {
      fake.answer((command) => (['findAndModify', 'find'].includes(command.name) ? 'hang' : undefined));
      const limiter = storage.rateLimiter({ keyPrefix: 'wire', points: 5, durationSeconds: 60 });
      for (const operation of [() => limiter.penalty('k'), () => storage.accounts.findById('someone')]) {
        const { ms, error } = await elapsed(operation);
        expect(error).toMatchObject({ code: 'storage_unavailable' });
        expect(ms).toBeLessThan(4 * SOCKET_TIMEOUT_MS + 1000);
      }
    });

    it('answers not ready within a second', async () => {
      fake.answer((command) => (command.name === 'ping' ? 'hang' : undefined));
      const { ms } = await elapsed(async () => expect(await storage.ping()).toBe(false));
      expect(ms).toBeLessThan(1500);
    });
  });

  describe('what is sent', () => {
    let storage: MongoStorage;
    beforeEach(async () => {
      storage = await open(fake);
      fake.answer((command) =>
        command.name === 'findAndModify' && onCollection(command) === 'rate_limits'
          ? { ok: 1, lastErrorObject: { n: 1, updatedExisting: true }, value: { key: 'wire:k', points: 1, expire: new Date(Date.now() + 60_000) } }
          : undefined,
      );
    });
    afterEach(() => storage.close());
    const sentSince = (start: number) => fake.commands().slice(start);

    it('stores the payload as JSON text beside the indexed copies, with nothing a client chose as a field name', async () => {
      const start = fake.commands().length;
      const payload = { uid: 'u1', grantId: 'g1', claims: { userinfo: { 'a\u0000b': null, $ref: { x: 1 } } } };
      await storage.modelStore('AuthorizationCode').upsert('code-1', payload, 60);
      const [update] = sentSince(start).filter((command) => command.name === 'update');
      const replacement = (update!.body.updates as { u: Doc }[])[0]!.u;
      expect(replacement).toMatchObject({ _id: 'code-1', uid: 'u1', grantId: 'g1', payload: JSON.stringify(payload), expiresAt: expect.any(Date) });
      expect(Object.keys(replacement).sort()).toEqual(['_id', 'expiresAt', 'grantId', 'payload', 'uid']);
    });

    it('replaces a record only where its payload is still the text read: one conditional update, no upsert, with majority', async () => {
      const start = fake.commands().length;
      const read = JSON.stringify({ client_id: 'c1', client_secret: 'old' });
      expect(await storage.modelStore('Client').replaceIfUnchanged('c1', read, { client_id: 'c1', client_secret: 'new' })).toBe(true);
      const [update] = sentSince(start).filter((command) => command.name === 'update');
      const [statement] = update!.body.updates as { q: Doc; u: Doc; upsert?: boolean }[];
      expect(statement!.q).toEqual({ _id: 'c1', payload: read, $or: [{ expiresAt: null }, { expiresAt: { $gt: expect.any(Date) } }] });
      expect(statement!.u).toEqual({ _id: 'c1', payload: JSON.stringify({ client_id: 'c1', client_secret: 'new' }) });
      expect(statement!.upsert).toBeFalsy();
      expect(writeConcernOf(update)).toEqual({ w: 'majority' });
    });

    it('changes an account as read with one conditional update: its password and ended-access marks in the filter, absent ones as null', async () => {
      const start = fake.commands().length;
      const ended = new Date('2026-12-01T10:00:00Z');
      const read = { passwordHash: 'h1', accessEndedAt: ended, otherSessionsEndedAt: undefined, keptSessionUid: undefined, disabled: false };
      await storage.accounts.update('acc-2', { passwordHash: 'h2' }, { ifUnchanged: read });
      const [update] = sentSince(start).filter((command) => command.name === 'findAndModify');
      expect(update!.body.query).toEqual({ _id: 'acc-2', passwordHash: 'h1', accessEndedAt: ended, otherSessionsEndedAt: null, keptSessionUid: null, disabled: { $ne: true } });
    });

    it('creates a record only where none is live: one upsert filtered on a passed expiry, with majority; a duplicate _id is "not written"', async () => {
      const start = fake.commands().length;
      expect(await storage.modelStore('Client').insertIfAbsent('c4', { client_id: 'c4', client_secret: 'first' })).toBe(true);
      const [update] = sentSince(start).filter((command) => command.name === 'update');
      const [statement] = update!.body.updates as { q: Doc; u: Doc; upsert?: boolean }[];
      expect(statement!.q).toEqual({ _id: 'c4', expiresAt: { $lte: expect.any(Date) } });
      expect(statement!.u).toEqual({ _id: 'c4', payload: JSON.stringify({ client_id: 'c4', client_secret: 'first' }) });
      expect(statement!.upsert).toBe(true);
      expect(writeConcernOf(update)).toEqual({ w: 'majority' });
      // A live client with the id: the filter matches nothing and the insert meets the _id index.
      fake.answer((command) =>
        command.name === 'update' && onCollection(command) === 'oidc_Client'
          ? { n: 0, nModified: 0, writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000 duplicate key error collection: idp.oidc_Client index: _id_ dup key: { _id: "c4" }' }], ok: 1 }
          : undefined,
      );
      expect(await storage.modelStore('Client').insertIfAbsent('c4', { client_id: 'c4', client_secret: 'second' })).toBe(false);
    });

    it('deletes a record only where its payload is still the text read: one conditional delete, with majority', async () => {
      const start = fake.commands().length;
      const read = JSON.stringify({ client_id: 'c3', client_secret: 'old' });
      expect(await storage.modelStore('Client').destroyIfUnchanged('c3', read)).toBe(true);
      const [deletion] = sentSince(start).filter((command) => command.name === 'delete');
      expect((deletion!.body.deletes as { q: Doc }[])[0]!.q).toEqual({ _id: 'c3', payload: read, $or: [{ expiresAt: null }, { expiresAt: { $gt: expect.any(Date) } }] });
      expect(writeConcernOf(deletion)).toEqual({ w: 'majority' });
    });

    it('replaces a record an earlier version stored as a sub-document, matched field for field, with the text form', async () => {
      const legacy = { client_id: 'c2', client_secret: 'old', redirect_uris: ['https://a.example/cb'] };
      fake.answer((command) => {
        if (command.name === 'find' && onCollection(command) === 'oidc_Client') return { cursor: { id: 0n, ns: `${command.db}.oidc_Client`, firstBatch: [{ _id: 'c2', payload: legacy }] }, ok: 1 };
        // The text filter matches nothing: the stored payload is no string.
        if (command.name === 'update' && typeof ((command.body.updates as { q: Doc }[])[0]!.q.payload) === 'string') return { n: 0, nModified: 0, ok: 1 };
        return undefined;
      });
      const start = fake.commands().length;
      expect(await storage.modelStore('Client').replaceIfUnchanged('c2', JSON.stringify(legacy), { ...legacy, client_secret: 'new' })).toBe(true);
      const updates = sentSince(start).filter((command) => command.name === 'update');
      expect(updates).toHaveLength(2);
      const [statement] = updates[1]!.body.updates as { q: Doc; u: Doc }[];
      expect(statement!.q).toMatchObject({ _id: 'c2', payload: legacy });
      expect(statement!.u).toMatchObject({ _id: 'c2', payload: JSON.stringify({ ...legacy, client_secret: 'new' }) });
      expect(writeConcernOf(updates[1])).toEqual({ w: 'majority' });
      // Read as other text (changed since), it is not written.
      expect(await storage.modelStore('Client').replaceIfUnchanged('c2', JSON.stringify({ ...legacy, client_secret: 'other' }), { ...legacy, client_secret: 'stale' })).toBe(false);
    });

    it('pages the audit trail by (at, _id) with our own operators kept intact, and sorts on both', async () => {
      const start = fake.commands().length;
      const before = new Date('2026-11-30T12:00:00Z');
      await storage.audit.list({ limit: 3, before, beforeId: 'event-9', type: 'admin.change' });
      const [find] = sentSince(start).filter((command) => command.name === 'find');
      expect(find!.body.filter).toEqual({ expiresAt: { $gt: expect.any(Date) }, $or: [{ at: { $lt: before } }, { at: before, _id: { $lt: 'event-9' } }], type: 'admin.change' });
      expect(find!.body.sort).toEqual({ at: -1, _id: -1 });
      const again = fake.commands().length;
      expect(await storage.audit.list({ limit: 3, before, beforeId: { $gt: '' } as unknown as string })).toEqual([]);
      expect(sentSince(again)).toEqual([]);
    });

    it('pages accounts and model records off the _id index, with our operators intact and the email text taken literally', async () => {
      const start = fake.commands().length;
      await storage.accounts.page({ limit: 3, after: 'account-5', emailContains: 'A.b+(c)' });
      await storage.modelStore('Client').page({ limit: 2, after: 'client-1' });
      await storage.modelStore('Client').page({ limit: 2 });
      const [accounts, clients, first] = sentSince(start).filter((command) => command.name === 'find');
      expect(accounts!.body).toMatchObject({ find: 'accounts', filter: { _id: { $gt: 'account-5' }, emailNormalized: { $regex: 'a\\.b\\+\\(c\\)' } }, sort: { _id: 1 }, limit: 3 });
      expect(clients!.body).toMatchObject({ find: 'oidc_Client', filter: { _id: { $gt: 'client-1' }, $or: [{ expiresAt: null }, { expiresAt: { $gt: expect.any(Date) } }] }, sort: { _id: 1 }, limit: 2 });
      expect(first!.body.filter).toEqual({ $or: [{ expiresAt: null }, { expiresAt: { $gt: expect.any(Date) } }] });
    });

    it('bounds an email search on the server (maxTimeMS), and answers one that runs past it as overloaded (503), not as an error of ours', async () => {
      const start = fake.commands().length;
      await storage.accounts.page({ limit: 3 });
      await storage.accounts.page({ limit: 3, emailContains: 'rare' });
      const [plain, search] = sentSince(start).filter((command) => command.name === 'find');
      expect(plain!.body.maxTimeMS).toBeUndefined();
      // Under the socket timeout (SOCKET_TIMEOUT_MS here), so the server's answer comes first.
      expect(search!.body.maxTimeMS).toBe(emailSearchMaxMs(SOCKET_TIMEOUT_MS));
      expect(search!.body.maxTimeMS).toBeLessThan(SOCKET_TIMEOUT_MS);
      expect([emailSearchMaxMs(5000), emailSearchMaxMs(60_000), emailSearchMaxMs(undefined)]).toEqual([4000, EMAIL_SEARCH_MAX_MS, EMAIL_SEARCH_MAX_MS]);
      fake.answer((command) => (command.name === 'find' ? { ok: 0, code: 50, codeName: 'MaxTimeMSExpired', errmsg: 'operation exceeded time limit' } : undefined));
      await expect(storage.accounts.page({ limit: 3, emailContains: 'rare' })).rejects.toMatchObject({ code: 'overloaded', status: 503, expose: true, retryAfterSeconds: 5 });
    });

    it('sends only string ids into filters: an operator given as an id sends nothing at all', async () => {
      const start = fake.commands().length;
      const operator = { $ne: null } as unknown as string;
      const sessions = storage.modelStore('Session');
      await sessions.find(operator);
      await sessions.findByUid(operator);
      await sessions.findByAccountId(operator);
      await sessions.destroy(operator);
      await sessions.revokeByGrantId(operator);
      await sessions.revokeByClientId(operator);
      await expect(sessions.consume(operator)).rejects.toMatchObject({ code: 'already_consumed' });
      await expect(sessions.upsert(operator, {}, 60)).rejects.toMatchObject({ code: 'invalid_input' });
      expect(await storage.accounts.findById(operator)).toBeUndefined();
      expect(await storage.accounts.findByEmail(operator)).toBeUndefined();
      expect(await storage.accounts.update(operator, { disabled: true })).toBeUndefined();
      expect(await storage.accounts.remove(operator)).toBe(false);
      expect(await storage.keys.list(operator as never)).toEqual([]);
      await storage.keys.remove(operator);
      expect(await storage.audit.list({ limit: 5, accountId: operator })).toEqual([]);
      expect(sentSince(start)).toEqual([]);
    });

    it('keeps our own operators intact under sanitizeFilter, and wraps one that slips in', async () => {
      const start = fake.commands().length;
      await storage.modelStore('Session').find('s1');
      const [find] = sentSince(start);
      expect(find!.body.filter).toEqual({ _id: 's1', $or: [{ expiresAt: null }, { expiresAt: { $gt: expect.any(Date) } }] });
      // Past our type checks, straight through mongoose: the object is matched literally ($eq),
      // which for a string _id is refused before anything is sent.
      const Records = storage.connection.model('oidc_Session');
      await expect(Records.findOne({ _id: { $ne: null } }).lean()).rejects.toThrow(/Cast to string failed/);
      expect(sentSince(start)).toHaveLength(1);
    });

    it('writes consumes, revocations, sign-outs, account changes, keys and counters with majority; records with the default', async () => {
      const codes = storage.modelStore('AuthorizationCode');
      const last = async (operation: () => Promise<unknown>) => {
        const start = fake.commands().length;
        await operation();
        return sentSince(start).filter((command) => ['update', 'delete', 'insert', 'findAndModify'].includes(command.name));
      };
      const majority = { w: 'majority' };
      expect(writeConcernOf((await last(() => codes.consume('code-1')))[0])).toEqual(majority);
      expect(writeConcernOf((await last(() => codes.destroy('code-1')))[0])).toEqual(majority);
      expect(writeConcernOf((await last(() => codes.revokeByGrantId('g1')))[0])).toEqual(majority);
      expect(writeConcernOf((await last(() => storage.accounts.update('acc-1', { disabled: true, accessEndedAt: new Date() })))[0])).toEqual(majority);
      const [removal] = await last(() => storage.accounts.remove('acc-1'));
      expect(removal!.body).toMatchObject({ writeConcern: majority, deletes: [{ q: { _id: 'acc-1' } }] });
      expect(writeConcernOf((await last(() => storage.accounts.create({ email: `${randomUUID()}@example.com`, name: 'N', emailVerified: true, passwordHash: 'h' })))[0])).toEqual(majority);
      const key = { id: 'key-1', purpose: 'cookie' as const, material: { secret: 's' }, createdAt: new Date(), activatesAt: new Date() };
      expect(writeConcernOf((await last(() => storage.keys.add(key)))[0])).toEqual(majority);
      expect(writeConcernOf((await last(() => storage.keys.retire('key-1', new Date(), new Date())))[0])).toEqual(majority);
      expect(writeConcernOf((await last(() => storage.keys.remove('key-1')))[0])).toEqual(majority);
      const limiter = storage.rateLimiter({ keyPrefix: 'wire', points: 5, durationSeconds: 60 });
      expect(writeConcernOf((await last(() => limiter.penalty('k')))[0])).toEqual(majority);
      // A record write that a rollback could only lose (fail closed) keeps the deployment's default.
      expect(writeConcernOf((await last(() => codes.upsert('code-2', { grantId: 'g2' }, 60)))[0])).toBeUndefined();
    });

    it('writes the sample sites\' deny-list, replay cache and sign-outs with majority, and sanitizes their filters', async () => {
      const connection = await connectSiteMongo(fake.uri('sites'));
      try {
        const denyList = await openMongoDenyList(connection, 'site-b', { ttlSeconds: 60, maxEntries: 100 });
        const replays = await openMongoReplayCache(connection, 'site-b');
        const sessions = await openMongoSessionStore(connection, 'site-a', { ttlSeconds: 60, maxSessions: 100 });
        const writes = (start: number) => sentSince(start).filter((command) => ['update', 'delete'].includes(command.name));
        let start = fake.commands().length;
        await denyList.deny({ sid: 's1', sub: 'u1', iat: 1 });
        expect(writeConcernOf(writes(start)[0])).toEqual({ w: 'majority' });
        start = fake.commands().length;
        await replays.remember('jti-1', new Date(Date.now() + 60_000));
        expect(writes(start)[0]!.body).toMatchObject({ writeConcern: { w: 'majority' }, updates: [{ q: { _id: 'jti-1', expiresAt: { $lte: expect.any(Date) } } }] });
        start = fake.commands().length;
        await sessions.destroyWhere({ sid: 's1' });
        expect(writes(start)[0]!.body).toMatchObject({ writeConcern: { w: 'majority' }, deletes: [{ q: { sid: 's1' } }] });
        start = fake.commands().length;
        expect(await sessions.destroyWhere({ sid: { $ne: null } as unknown as string })).toBe(0);
        expect(await replays.remember({ $ne: null } as unknown as string, new Date())).toBe(false);
        expect(sentSince(start)).toEqual([]);
      } finally {
        await connection.close();
      }
    });
  });
});
