/**
 * The storage contract: what every store (in-memory, MongoDB) must do for oidc-provider and for
 * our repositories. One suite, run against each backend by storage.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AdapterPayload, AuditEvent, Storage, StoredKey } from '../../src/storage/types.js';
import { loadFactorSecrets } from '../../src/mfa/factor-secrets.js';
import { createFactors } from '../../src/mfa/factors.js';
import { createPasskeys } from '../../src/mfa/passkeys.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { Secret, TOTP } from 'otpauth';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeStorageContract(backend: string, open: () => Promise<Storage>, close: (storage: Storage) => Promise<void>): void {
  describe(`storage contract: ${backend}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await open();
    });
    afterAll(async () => {
      await close(storage);
    });
    const id = () => randomUUID();

    describe('oidc model records', () => {
      it('returns what was stored, and undefined for an unknown id', async () => {
        const sessions = storage.modelStore('Session');
        const key = id();
        const payload = { uid: id(), accountId: 'acc-1', authorizations: { 'client.with.dots': { sid: 's1' } }, nested: { empty: {} } };
        await sessions.upsert(key, payload, 60);
        expect(await sessions.find(key)).toEqual(payload);
        expect(await sessions.find(id())).toBeUndefined();
      });

      it('gives a record\'s JSON text, which changes with the record and goes with it', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        expect(await clients.findJson(key)).toBeUndefined();
        await clients.upsert(key, { client_id: key, redirect_uris: ['https://a.example/cb'] });
        const first = await clients.findJson(key);
        expect(JSON.parse(first!)).toEqual(await clients.find(key));
        await clients.upsert(key, { client_id: key, redirect_uris: ['https://b.example/cb'] });
        const second = await clients.findJson(key);
        expect(second).not.toBe(first);
        expect(JSON.parse(second!)).toEqual({ client_id: key, redirect_uris: ['https://b.example/cb'] });
        await clients.destroy(key);
        expect(await clients.findJson(key)).toBeUndefined();
        // The consumed mark is kept beside the text, not in it.
        const codes = storage.modelStore('AuthorizationCode');
        const code = id();
        await codes.upsert(code, { grantId: id() }, 60);
        const unconsumed = await codes.findJson(code);
        await codes.consume(code);
        expect(await codes.findJson(code)).toBe(unconsumed);
        expect(await codes.find(code)).toHaveProperty('consumed');
        const short = id();
        await clients.upsert(short, { client_id: short }, 1);
        await sleep(1100);
        expect(await clients.findJson(short)).toBeUndefined();
      });

      it('stores no record longer than the upsert\'s maxChars, keeping the one stored before under its id', async () => {
        const interactions = storage.modelStore('Interaction');
        const key = id();
        const payload = (state: string) => ({ uid: id(), params: { state } });
        const base = JSON.stringify(payload('')).length;
        await interactions.upsert(key, payload('at the bound'), 60, { maxChars: base + 12 });
        const over = interactions.upsert(key, payload('at the bound!'), 60, { maxChars: base + 12 });
        await expect(over).rejects.toMatchObject({ code: 'too_large', status: 413, expose: false });
        expect(await interactions.find(key)).toMatchObject({ params: { state: 'at the bound' } });
        const fresh = id();
        await expect(interactions.upsert(fresh, payload('x'.repeat(100)), 60, { maxChars: 50 })).rejects.toMatchObject({ code: 'too_large' });
        expect(await interactions.find(fresh)).toBeUndefined();
      });

      it('replaces the whole record on upsert and re-indexes it', async () => {
        const sessions = storage.modelStore('Session');
        const key = id();
        const [oldUid, newUid] = [id(), id()];
        await sessions.upsert(key, { uid: oldUid, a: 1 }, 60);
        await sessions.upsert(key, { uid: newUid, b: 2 }, 60);
        expect(await sessions.find(key)).toEqual({ uid: newUid, b: 2 });
        expect(await sessions.findByUid(oldUid)).toBeUndefined();
        expect(await sessions.findByUid(newUid)).toEqual({ uid: newUid, b: 2 });
      });

      it('finds records by uid and by userCode', async () => {
        const codes = storage.modelStore('DeviceCode');
        const [key, userCode] = [id(), `UC-${id()}`];
        await codes.upsert(key, { userCode, grantId: id() }, 60);
        expect((await codes.findByUserCode(userCode))?.userCode).toBe(userCode);
        expect(await codes.findByUserCode('nope')).toBeUndefined();
      });

      it('treats an expired record as absent for every lookup, and keeps records without expiry', async () => {
        const store = storage.modelStore('Interaction');
        const [short, forever, uid] = [id(), id(), id()];
        await store.upsert(short, { uid }, 1);
        await store.upsert(forever, { kept: true });
        expect(await store.find(short)).toBeDefined();
        await sleep(1100);
        expect(await store.find(short)).toBeUndefined();
        expect(await store.findByUid(uid)).toBeUndefined();
        await expect(store.consume(short)).rejects.toMatchObject({ code: 'already_consumed' });
        expect(await store.find(forever)).toEqual({ kept: true });
      });

      it('replaces a record only while its JSON text is the one read: never after another write, a deletion, or for an id never stored', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        await clients.upsert(key, { client_id: key, client_secret: 'first' });
        const read = (await clients.findJson(key))!;
        expect(await clients.replaceIfUnchanged(key, read, { client_id: key, client_secret: 'second' })).toBe(true);
        expect(await clients.find(key)).toEqual({ client_id: key, client_secret: 'second' });
        // A write based on the first read comes too late: the record stays as the second write left it.
        expect(await clients.replaceIfUnchanged(key, read, { client_id: key, client_secret: 'stale' })).toBe(false);
        expect(await clients.find(key)).toEqual({ client_id: key, client_secret: 'second' });
        const current = (await clients.findJson(key))!;
        await clients.destroy(key);
        expect(await clients.replaceIfUnchanged(key, current, { client_id: key, client_secret: 'revived' })).toBe(false);
        expect(await clients.find(key)).toBeUndefined();
        const never = id();
        expect(await clients.replaceIfUnchanged(never, '{}', { client_id: never })).toBe(false);
        expect(await clients.find(never)).toBeUndefined();
      });

      it('creates a record only where no live one has its id', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        expect(await clients.insertIfAbsent(key, { client_id: key, client_secret: 'first' })).toBe(true);
        expect(await clients.insertIfAbsent(key, { client_id: key, client_secret: 'second' })).toBe(false);
        expect(await clients.find(key)).toEqual({ client_id: key, client_secret: 'first' });
        await clients.destroy(key);
        expect(await clients.insertIfAbsent(key, { client_id: key, client_secret: 'after deletion' })).toBe(true);
        expect(await clients.find(key)).toEqual({ client_id: key, client_secret: 'after deletion' });
      });

      it('creates over a record whose expiry has passed, as over none', async () => {
        const sessions = storage.modelStore('Session');
        const key = id();
        await sessions.upsert(key, { uid: id(), n: 1 }, 1);
        expect(await sessions.insertIfAbsent(key, { uid: id(), n: 2 }, 60)).toBe(false);
        await sleep(1100);
        expect(await sessions.insertIfAbsent(key, { uid: id(), n: 3 }, 60)).toBe(true);
        expect(await sessions.find(key)).toMatchObject({ n: 3 });
      });

      it('lets exactly one of many concurrent creates of the same id win', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        const results = await Promise.all(Array.from({ length: 12 }, (_v, n) => clients.insertIfAbsent(key, { client_id: key, n })));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await clients.find(key)).toEqual({ client_id: key, n: results.indexOf(true) });
      });

      it('deletes a record only while its JSON text is the one read', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        await clients.upsert(key, { client_id: key, client_secret: 'first' });
        const read = (await clients.findJson(key))!;
        await clients.upsert(key, { client_id: key, client_secret: 'rotated' });
        expect(await clients.destroyIfUnchanged(key, read)).toBe(false);
        expect(await clients.find(key)).toEqual({ client_id: key, client_secret: 'rotated' });
        expect(await clients.destroyIfUnchanged(key, (await clients.findJson(key))!)).toBe(true);
        expect(await clients.find(key)).toBeUndefined();
        expect(await clients.destroyIfUnchanged(key, read)).toBe(false);
      });

      it('lets exactly one of many concurrent replacements based on the same read win', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        await clients.upsert(key, { client_id: key, n: 0 });
        const read = (await clients.findJson(key))!;
        const results = await Promise.all(Array.from({ length: 12 }, (_v, n) => clients.replaceIfUnchanged(key, read, { client_id: key, n: n + 1 })));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await clients.find(key)).toEqual({ client_id: key, n: results.indexOf(true) + 1 });
      });

      it('consumes a record once: the mark is visible and a second consume fails', async () => {
        const codes = storage.modelStore('AuthorizationCode');
        const key = id();
        await codes.upsert(key, { grantId: id() }, 60);
        await codes.consume(key);
        expect((await codes.find(key))?.consumed).toEqual(expect.any(Number));
        await expect(codes.consume(key)).rejects.toBeInstanceOf(AppError);
      });

      it('lets exactly one of many concurrent consumes win', async () => {
        const codes = storage.modelStore('AuthorizationCode');
        const key = id();
        await codes.upsert(key, { grantId: id() }, 60);
        const results = await Promise.allSettled(Array.from({ length: 12 }, () => codes.consume(key)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const failed of results.filter((r) => r.status === 'rejected')) {
          expect((failed as PromiseRejectedResult).reason).toMatchObject({ code: 'already_consumed' });
        }
      });

      it('destroys a record and its uid index', async () => {
        const sessions = storage.modelStore('Session');
        const [key, uid] = [id(), id()];
        await sessions.upsert(key, { uid }, 60);
        await sessions.destroy(key);
        expect(await sessions.find(key)).toBeUndefined();
        expect(await sessions.findByUid(uid)).toBeUndefined();
        await expect(sessions.destroy(key)).resolves.toBeUndefined();
      });

      it('revokes every record of a grant and nothing else', async () => {
        const tokens = storage.modelStore('AccessToken');
        const [grant, otherGrant] = [id(), id()];
        const ofGrant = [id(), id(), id()];
        const other = id();
        for (const key of ofGrant) await tokens.upsert(key, { grantId: grant }, 60);
        await tokens.upsert(other, { grantId: otherGrant }, 60);
        await tokens.revokeByGrantId(grant);
        for (const key of ofGrant) expect(await tokens.find(key)).toBeUndefined();
        expect(await tokens.find(other)).toEqual({ grantId: otherGrant });
      });

      it('revokes every record of a client in a model and nothing else (a deleted client\'s tokens)', async () => {
        const [grants, tokens] = [storage.modelStore('Grant'), storage.modelStore('RefreshToken')];
        const [client, otherClient] = [id(), id()];
        const [grant, token, kept] = [id(), id(), id()];
        await grants.upsert(grant, { clientId: client, accountId: id() }, 60);
        await tokens.upsert(token, { clientId: client, grantId: grant }, 60);
        await tokens.upsert(kept, { clientId: otherClient, grantId: id() }, 60);
        await tokens.revokeByClientId(client);
        expect(await tokens.find(token)).toBeUndefined();
        expect(await tokens.find(kept)).toMatchObject({ clientId: otherClient });
        // One model at a time: the grant is the Grant store's to revoke.
        expect(await grants.find(grant)).toMatchObject({ clientId: client });
        await grants.revokeByClientId(client);
        expect(await grants.find(grant)).toBeUndefined();
      });

      it('keeps models apart: the same id in two models is two records', async () => {
        const key = id();
        await storage.modelStore('AccessToken').upsert(key, { kind: 'at' }, 60);
        await storage.modelStore('RefreshToken').upsert(key, { kind: 'rt' }, 60);
        expect(await storage.modelStore('AccessToken').find(key)).toEqual({ kind: 'at' });
        expect(await storage.modelStore('RefreshToken').find(key)).toEqual({ kind: 'rt' });
      });

      it('stores concurrent upserts completely, never merged', async () => {
        const store = storage.modelStore('Grant');
        const keys = Array.from({ length: 40 }, id);
        await Promise.all(keys.map((key, n) => store.upsert(key, { n }, 60)));
        expect(await Promise.all(keys.map((key) => store.find(key)))).toEqual(keys.map((_key, n) => ({ n })));
        const same = id();
        await Promise.all(Array.from({ length: 10 }, (_v, n) => store.upsert(same, { [`field${n}`]: n, n }, 60)));
        const final = await store.find(same);
        expect(Object.keys(final ?? {})).toHaveLength(2);
      });

      it('round-trips a large payload', async () => {
        const clients = storage.modelStore('Client');
        const key = id();
        const payload = { client_id: key, redirect_uris: Array.from({ length: 2000 }, (_v, n) => `https://app.example/cb/${n}/${'x'.repeat(200)}`) };
        await clients.upsert(key, payload);
        expect(await clients.find(key)).toEqual(payload);
      });

      it('lists the live records of one model', async () => {
        // ResourceServer: a model no other test writes, so the list holds only this test's records.
        const store = storage.modelStore('ResourceServer');
        const probe = id();
        await store.upsert(`${probe}-b`, { n: 2 });
        await store.upsert(`${probe}-a`, { n: 1 }, 60);
        await store.upsert(`${probe}-gone`, { n: 3 }, 1);
        await sleep(1100);
        const mine = (await store.list()).filter((record) => record.id.startsWith(probe)).sort((x, y) => x.id.localeCompare(y.id));
        expect(mine).toEqual([{ id: `${probe}-a`, payload: { n: 1 } }, { id: `${probe}-b`, payload: { n: 2 } }]);
      });

      it('pages the live records of one model by id, each page after the last id of the one before', async () => {
        const store = storage.modelStore('ResourceServer');
        const probe = id();
        for (const suffix of ['c', 'a', 'e', 'b', 'd']) await store.upsert(`${probe}-${suffix}`, { n: suffix });
        await store.upsert(`${probe}-bb`, { n: 'expired' }, 1);
        await sleep(1100);
        const seen: { id: string; payload: unknown }[] = [];
        let after = `${probe}-`; // other tests' records sort before or after this test's, never among them
        for (let pages = 0; pages < 10; pages += 1) {
          const page = (await store.page({ limit: 2, after })).filter((record) => record.id.startsWith(probe));
          seen.push(...page);
          if (page.length < 2) break;
          after = page[page.length - 1]!.id;
        }
        expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'].map((suffix) => ({ id: `${probe}-${suffix}`, payload: { n: suffix } })));
        const first = await store.page({ limit: 1, after: `${probe}-` });
        expect(first).toEqual([{ id: `${probe}-a`, payload: { n: 'a' } }]);
      });

      it('refuses a model nobody declared in STORED_MODELS (its indexes could not have been built at start-up)', () => {
        expect(() => storage.modelStore(`Undeclared${id().slice(0, 8)}`)).toThrow(expect.objectContaining({ code: 'internal' }));
      });

      it('round-trips exactly a payload whose keys BSON field names cannot carry', async () => {
        // What a crafted `claims` authorization parameter puts into a code, a token or a pushed
        // request: NUL in a key, `$` and dots, BSON's own `_bsontype`, a DBRef's `$ref`/`$id`, and
        // the names that prototype pollution plays with (JSON.parse makes `__proto__` an own key).
        const text = JSON.stringify({
          grantId: id(),
          claims: {
            userinfo: { 'nul\u0000name': null, $where: { essential: true }, 'a.b': { 'c.d': 1 }, '': 'empty key' },
            id_token: { ref: { $ref: 'accounts', $id: 'x' }, long: { _bsontype: 'Long', low: 1, high: 0 }, oid: { _bsontype: 'ObjectId', id: 'x' } },
          },
          constructor: { prototype: { polluted: true } },
          prototype: 'p',
          list: [{ _bsontype: 'Code', code: 'x' }, null, 'text', 1.5, true, { $numberLong: '1' }],
        }).replace('"prototype":"p"', '"prototype":"p","__proto__":{"polluted":true}');
        const payload = JSON.parse(text) as AdapterPayload;
        expect(Object.keys(payload)).toContain('__proto__');
        const codes = storage.modelStore('AuthorizationCode');
        const key = id();
        await codes.upsert(key, payload, 60);
        const found = await codes.find(key);
        expect(JSON.stringify(found)).toBe(text);
        expect(found).toEqual(payload);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        await codes.consume(key);
        expect(await codes.find(key)).toEqual({ ...payload, consumed: expect.any(Number) });
        expect(await codes.findByAccountId(id())).toEqual([]);
        await codes.revokeByGrantId(payload.grantId!);
        expect(await codes.find(key)).toBeUndefined();
      });

      describe('ids that are not strings never become filters', () => {
        // `{ $ne: null }` as an id would match any record if it reached a MongoDB filter.
        const operator = { $ne: null } as unknown as string;
        const empty = '' as string;

        it('finds nothing, consumes nothing, destroys and revokes nothing', async () => {
          const sessions = storage.modelStore('Session');
          const [key, uid, grantId, accountId, userCode, clientId] = [id(), id(), id(), id(), `UC-${id()}`, id()];
          const payload = { uid, grantId, accountId, userCode, clientId };
          await sessions.upsert(key, payload, 60);
          for (const bad of [operator, empty, undefined as unknown as string, 42 as unknown as string, ['x'] as unknown as string]) {
            expect(await sessions.find(bad)).toBeUndefined();
            expect(await sessions.findByUid(bad)).toBeUndefined();
            expect(await sessions.findByUserCode(bad)).toBeUndefined();
            expect(await sessions.findByAccountId(bad)).toEqual([]);
            await expect(sessions.consume(bad)).rejects.toMatchObject({ code: 'already_consumed' });
            await sessions.destroy(bad);
            await sessions.revokeByGrantId(bad);
            await sessions.revokeByClientId(bad);
          }
          expect(await sessions.find(key)).toEqual(payload);
        });

        it('refuses to store a record under an id that is not a non-empty string', async () => {
          const sessions = storage.modelStore('Session');
          for (const bad of [operator, empty, undefined as unknown as string]) {
            await expect(sessions.upsert(bad, { n: 1 }, 60)).rejects.toMatchObject({ code: 'invalid_input' });
          }
        });

        it('does not index payload fields that are not strings', async () => {
          const sessions = storage.modelStore('Session');
          const key = id();
          await sessions.upsert(key, JSON.parse('{ "uid": { "$ne": null }, "accountId": ["a"] }') as AdapterPayload, 60);
          expect(await sessions.find(key)).toEqual({ uid: { $ne: null }, accountId: ['a'] });
          expect(await sessions.findByAccountId('a')).toEqual([]);
        });

        it('finds, changes and removes no account', async () => {
          const created = await storage.accounts.create({ email: `${id()}@example.com`, name: 'Filter Probe', emailVerified: true, passwordHash: '$argon2id$stub' });
          for (const bad of [operator, empty, undefined as unknown as string]) {
            expect(await storage.accounts.findById(bad)).toBeUndefined();
            expect(await storage.accounts.findByEmail(bad)).toBeUndefined();
            expect(await storage.accounts.update(bad, { disabled: true })).toBeUndefined();
            expect(await storage.accounts.remove(bad)).toBe(false);
          }
          expect((await storage.accounts.findById(created.id))?.disabled).toBe(false);
        });

        it('lists, retires and removes no key', async () => {
          const cookie: StoredKey = { id: id(), purpose: 'cookie', material: { secret: id() }, createdAt: new Date(), activatesAt: new Date() };
          await storage.keys.add(cookie);
          expect(await storage.keys.list(operator as unknown as StoredKey['purpose'])).toEqual([]);
          await storage.keys.retire(operator, new Date(), new Date());
          await storage.keys.remove(operator);
          expect((await storage.keys.list('cookie')).find((k) => k.id === cookie.id)).toMatchObject({ id: cookie.id });
          expect((await storage.keys.list('cookie')).find((k) => k.id === cookie.id)?.retiredAt).toBeUndefined();
        });

        it('lists no audit event for a type or account that is not a string', async () => {
          const accountId = `acct-${id()}`;
          await storage.audit.append({ id: id(), at: new Date(), type: 'sign_in.failed', accountId }, 3600);
          expect(await storage.audit.list({ limit: 10, accountId: operator })).toEqual([]);
          expect(await storage.audit.list({ limit: 10, accountId, type: operator })).toEqual([]);
          expect(await storage.audit.list({ limit: 10, accountId })).toHaveLength(1);
        });
      });

      it('finds the live records of one account', async () => {
        const sessions = storage.modelStore('Session');
        const [account, other] = [id(), id()];
        const [a, b, c] = [id(), id(), id()];
        await sessions.upsert(a, { accountId: account, n: 1 }, 60);
        await sessions.upsert(b, { accountId: account, n: 2 }, 1);
        await sessions.upsert(c, { accountId: other, n: 3 }, 60);
        await sleep(1100);
        expect(await sessions.findByAccountId(account)).toEqual([{ id: a, payload: { accountId: account, n: 1 } }]);
      });

      it("follows a record to the account it is written with, and forgets it once it has none, is revoked or is destroyed", async () => {
        const tokens = storage.modelStore('AccessToken');
        const [first, second, third, grantId] = [id(), id(), id(), id()];
        const [a, b, c] = [id(), id(), id()];
        const idsOf = async (account: string) => (await tokens.findByAccountId(account)).map((record) => record.id).sort();
        await tokens.upsert(a, { accountId: first, grantId, n: 1 }, 60);
        await tokens.upsert(b, { accountId: first, n: 2 }, 60);
        await tokens.upsert(c, { accountId: second, n: 3 }, 60);
        await tokens.upsert(b, { accountId: second, n: 4 }, 60);
        expect(await idsOf(first)).toEqual([a]);
        expect(await idsOf(second)).toEqual([b, c].sort());
        expect((await tokens.findByAccountId(second)).find((record) => record.id === b)?.payload).toEqual({ accountId: second, n: 4 });
        await tokens.upsert(c, { n: 5 }, 60);
        expect(await idsOf(second)).toEqual([b]);
        await tokens.revokeByGrantId(grantId);
        expect(await idsOf(first)).toEqual([]);
        await tokens.destroy(b);
        expect(await idsOf(second)).toEqual([]);
        // The same ids written again for someone else: no earlier account finds them any more.
        await tokens.upsert(a, { accountId: third, n: 6 }, 60);
        await tokens.upsert(b, { accountId: third, n: 7 }, 60);
        expect(await idsOf(first)).toEqual([]);
        expect(await idsOf(second)).toEqual([]);
        expect(await idsOf(third)).toEqual([a, b].sort());
      });

      it('hands out copies: changing a returned record changes nothing stored', async () => {
        const store = storage.modelStore('Session');
        const key = id();
        await store.upsert(key, { list: [1] }, 60);
        const first = await store.find(key);
        (first!.list as number[]).push(2);
        expect(await store.find(key)).toEqual({ list: [1] });
      });
    });

    describe('accounts', () => {
      const newAccount = (email: string) => ({ email, name: 'Test Person', emailVerified: true, passwordHash: '$argon2id$stub' });

      it('creates an account with an opaque id and finds it by id and by email in any letter case', async () => {
        const email = `${id()}@Example.com`;
        const created = await storage.accounts.create(newAccount(email));
        expect(created.id).not.toContain('@');
        expect(created.email).toBe(email.toLowerCase());
        expect((await storage.accounts.findById(created.id))?.email).toBe(email.toLowerCase());
        expect((await storage.accounts.findByEmail(email.toUpperCase()))?.id).toBe(created.id);
      });

      it('refuses a second account with the same email in another letter case, even concurrently', async () => {
        const email = `${id()}@example.com`;
        const results = await Promise.allSettled([storage.accounts.create(newAccount(email)), storage.accounts.create(newAccount(email.toUpperCase()))]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'email_taken' });
      });

      it('updates fields and lists accounts', async () => {
        const created = await storage.accounts.create(newAccount(`${id()}@example.com`));
        const updated = await storage.accounts.update(created.id, { disabled: true, name: 'Renamed' });
        expect(updated).toMatchObject({ disabled: true, name: 'Renamed' });
        expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
        expect((await storage.accounts.list()).map((a) => a.id)).toContain(created.id);
        expect(await storage.accounts.update('no-such-id', { disabled: true })).toBeUndefined();
      });

      it('updates an account as read only while its password and ended-access marks are still as read', async () => {
        const read = await storage.accounts.create(newAccount(`${id()}@example.com`));
        // A name change (not access) since the read does not stand in the way.
        await storage.accounts.update(read.id, { name: 'Renamed' });
        const changed = await storage.accounts.update(read.id, { passwordHash: 'second' }, { ifUnchanged: read });
        expect(changed).toMatchObject({ passwordHash: 'second', name: 'Renamed' });
        // Each of these, written since the read, refuses the write and leaves the account as it was.
        const overtakers = [{ passwordHash: 'third' }, { accessEndedAt: new Date() }, { otherSessionsEndedAt: new Date(), keptSessionUid: 'kept' }, { disabled: true }];
        for (const since of overtakers) {
          const before = (await storage.accounts.findById(read.id))!;
          await storage.accounts.update(read.id, since);
          expect(await storage.accounts.update(read.id, { passwordHash: 'stale' }, { ifUnchanged: before })).toBeUndefined();
          expect((await storage.accounts.findById(read.id))!.passwordHash).not.toBe('stale');
        }
        const now = (await storage.accounts.findById(read.id))!;
        expect(await storage.accounts.update(read.id, { passwordHash: 'fresh' }, { ifUnchanged: now })).toMatchObject({ passwordHash: 'fresh' });
      });

      it('removes an account for good: gone by id, email and list, the email free again in any case, a second remove false', async () => {
        const email = `${id()}@example.com`;
        const created = await storage.accounts.create(newAccount(email));
        const other = await storage.accounts.create(newAccount(`${id()}@example.com`));
        expect(await storage.accounts.remove(created.id)).toBe(true);
        expect(await storage.accounts.findById(created.id)).toBeUndefined();
        expect(await storage.accounts.findByEmail(email)).toBeUndefined();
        expect((await storage.accounts.list()).map((a) => a.id)).not.toContain(created.id);
        expect(await storage.accounts.update(created.id, { disabled: true })).toBeUndefined();
        expect(await storage.accounts.remove(created.id)).toBe(false);
        expect(await storage.accounts.remove('no-such-id')).toBe(false);
        expect((await storage.accounts.findById(other.id))?.id).toBe(other.id);
        const again = await storage.accounts.create(newAccount(email.toUpperCase()));
        expect(again.id).not.toBe(created.id);
        expect((await storage.accounts.findByEmail(email))?.id).toBe(again.id);
      });

      it('pages accounts by id: each page after the last id of the one before, only emails containing a text (any case, taken literally)', async () => {
        const tag = id().toLowerCase();
        const emails = [`a.b-${tag}@example.com`, `axb-${tag}@example.com`, `c-${tag}@EXAMPLE.com`, `d-${tag}@example.com`, `e-${tag}@example.com`];
        const created = await Promise.all(emails.map((email) => storage.accounts.create(newAccount(email))));
        await storage.accounts.create(newAccount(`${id()}@example.com`)); // not tagged: never in these pages
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 10; pages += 1) {
          const page = await storage.accounts.page({ limit: 2, after, emailContains: tag.toUpperCase() });
          expect(page.length).toBeLessThanOrEqual(2);
          seen.push(...page.map((account) => account.id));
          if (page.length < 2) break;
          after = page[page.length - 1]!.id;
        }
        expect(seen).toEqual(created.map((account) => account.id).sort());
        // A metacharacter is a character: `a.b` is not `axb`.
        expect((await storage.accounts.page({ limit: 10, emailContains: `a.b-${tag}` })).map((account) => account.email)).toEqual([`a.b-${tag}@example.com`]);
        expect(await storage.accounts.page({ limit: 10, emailContains: `.*${tag}` })).toEqual([]);
        const first = await storage.accounts.page({ limit: 1, emailContains: `c-${tag}@example` });
        expect(first.map((account) => account.id)).toEqual([created[2]!.id]);
        expect(first[0]).toMatchObject({ email: `c-${tag}@example.com`, name: 'Test Person', emailVerified: true, disabled: false });
        expect(first[0]!.createdAt).toBeInstanceOf(Date);
      });

      it('hands out copies: changing a returned account, its dates included, changes nothing stored', async () => {
        const created = await storage.accounts.create(newAccount(`${id()}@example.com`));
        const ended = new Date(1_700_000_000_000);
        await storage.accounts.update(created.id, { accessEndedAt: ended });
        ended.setTime(0);
        const found = (await storage.accounts.findById(created.id))!;
        found.name = 'Changed';
        found.accessEndedAt!.setTime(0);
        found.createdAt.setTime(0);
        created.updatedAt.setTime(0);
        const again = (await storage.accounts.findById(created.id))!;
        expect(again.name).toBe('Test Person');
        expect(again.accessEndedAt!.getTime()).toBe(1_700_000_000_000);
        expect(again.createdAt.getTime()).not.toBe(0);
        expect(again.updatedAt.getTime()).not.toBe(0);
        expect(Object.keys((await storage.accounts.findById((await storage.accounts.create(newAccount(`${id()}@example.com`))).id))!)).not.toContain('accessEndedAt');
      });
    });

    describe('keys', () => {
      const key = (purpose: StoredKey['purpose']): StoredKey => ({
        id: id(), purpose, material: { secret: id() }, createdAt: new Date(), activatesAt: new Date(),
      });

      it('lists keys by purpose, retires and removes them', async () => {
        const cookie = key('cookie');
        await storage.keys.add(cookie);
        expect((await storage.keys.list('cookie')).map((k) => k.id)).toContain(cookie.id);
        expect((await storage.keys.list('signing')).map((k) => k.id)).not.toContain(cookie.id);
        const retiredAt = new Date(Date.now() + 1000);
        const removeAfter = new Date(Date.now() + 60_000);
        await storage.keys.retire(cookie.id, retiredAt, removeAfter);
        const stored = (await storage.keys.list('cookie')).find((k) => k.id === cookie.id);
        expect(stored?.retiredAt?.getTime()).toBe(retiredAt.getTime());
        expect(stored?.removeAfter?.getTime()).toBe(removeAfter.getTime());
        await storage.keys.remove(cookie.id);
        expect((await storage.keys.list('cookie')).map((k) => k.id)).not.toContain(cookie.id);
      });

      it('ignores adding a key id that exists (two instances starting together)', async () => {
        const first = key('cookie');
        await storage.keys.add(first);
        await storage.keys.add({ ...first, material: { secret: 'other' } });
        expect((await storage.keys.list('cookie')).find((k) => k.id === first.id)?.material).toEqual(first.material);
      });
    });

    describe('rate limiters (rate-limiter-flexible on this store)', () => {
      const limiter = (points: number, durationSeconds = 60) => storage.rateLimiter({ keyPrefix: `test-${id()}`, points, durationSeconds });

      it('counts every one of many concurrent points', async () => {
        const shared = limiter(1000);
        const many = await Promise.all(Array.from({ length: 20 }, () => shared.penalty('k')));
        expect(many.map((res) => res.consumedPoints).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_v, n) => n + 1));
      });

      it('lets exactly one of many concurrent consumers through a one-point window', async () => {
        const shared = limiter(1);
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => shared.consume('k', 1, { customDuration: 30 })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(RateLimiterRes);
        expect((refused.reason as RateLimiterRes).msBeforeNext).toBeGreaterThan(25_000);
      });

      it('starts again after the window, after delete, and takes a point back on reward', async () => {
        const shared = limiter(1000, 1);
        await shared.penalty('k');
        expect((await shared.penalty('k')).consumedPoints).toBe(2);
        expect((await shared.reward('k')).consumedPoints).toBe(1);
        await sleep(1100);
        expect(await shared.get('k')).toBeNull();
        expect((await shared.penalty('k')).consumedPoints).toBe(1);
        await shared.delete('k');
        expect((await shared.penalty('k')).consumedPoints).toBe(1);
      });

      it('keeps different limits apart', async () => {
        const [one, two] = [limiter(1000), limiter(1000)];
        await one.penalty('k');
        expect(await two.get('k')).toBeNull();
      });
    });

    describe('audit', () => {
      const event = (type: string, at: Date, extra: Partial<AuditEvent> = {}): AuditEvent => ({ id: id(), at, type, ...extra });

      it('lists newest first, filtered by type, account and time, up to the limit', async () => {
        const accountId = `acct-${id()}`;
        const base = Date.now() - 10_000;
        for (let n = 0; n < 5; n += 1) {
          await storage.audit.append(event(n % 2 ? 'sign_in.failed' : 'sign_in.succeeded', new Date(base + n * 1000), { accountId, source: '192.0.2.1', detail: { n } }), 3600);
        }
        const mine = await storage.audit.list({ limit: 10, accountId });
        expect(mine.map((e) => e.detail?.n)).toEqual([4, 3, 2, 1, 0]);
        expect((await storage.audit.list({ limit: 10, accountId, type: 'sign_in.failed' })).map((e) => e.detail?.n)).toEqual([3, 1]);
        expect((await storage.audit.list({ limit: 2, accountId })).map((e) => e.detail?.n)).toEqual([4, 3]);
        expect((await storage.audit.list({ limit: 10, accountId, before: new Date(base + 2000) })).map((e) => e.detail?.n)).toEqual([1, 0]);
        expect(mine[0]).toMatchObject({ type: 'sign_in.succeeded', source: '192.0.2.1', accountId });
        expect(mine[0]!.at.getTime()).toBe(base + 4000);
      });

      it('orders events of the same moment by id, descending, and pages through them with before and beforeId', async () => {
        const accountId = `acct-${id()}`;
        const moment = new Date(Date.now() - 5000);
        const ids = ['e-3', 'e-1', 'e-4', 'e-0', 'e-2'].map((suffix) => `${accountId}-${suffix}`);
        for (const eventId of ids) await storage.audit.append({ id: eventId, at: moment, type: 'admin.change', accountId }, 3600);
        await storage.audit.append({ id: `${accountId}-z-older`, at: new Date(moment.getTime() - 1), type: 'admin.change', accountId }, 3600);
        const all = await storage.audit.list({ limit: 10, accountId });
        expect(all.map((e) => e.id)).toEqual([...[...ids].sort().reverse(), `${accountId}-z-older`]);
        const seen: string[] = [];
        let page = await storage.audit.list({ limit: 2, accountId });
        while (page.length > 0) {
          seen.push(...page.map((e) => e.id));
          const last = page[page.length - 1]!;
          page = await storage.audit.list({ limit: 2, accountId, before: last.at, beforeId: last.id });
        }
        expect(seen).toEqual(all.map((e) => e.id));
        // Without beforeId, `before` still means strictly older.
        expect((await storage.audit.list({ limit: 10, accountId, before: moment })).map((e) => e.id)).toEqual([`${accountId}-z-older`]);
        expect(await storage.audit.list({ limit: 10, accountId, before: moment, beforeId: { $gt: '' } as unknown as string })).toEqual([]);
      });

      it('keeps its own copy: changing an appended or a listed event, its date and detail included, changes nothing stored', async () => {
        const accountId = `acct-${id()}`;
        const at = new Date(Date.now() - 1000);
        const appended = event('sign_in.failed', new Date(at.getTime()), { accountId, source: '192.0.2.1', detail: { reason: 'password' } });
        await storage.audit.append(appended, 3600);
        appended.type = 'admin.change';
        appended.at.setTime(0);
        appended.detail!.reason = 'changed';
        const [listed] = await storage.audit.list({ limit: 10, accountId });
        expect(listed).toMatchObject({ type: 'sign_in.failed', source: '192.0.2.1', detail: { reason: 'password' } });
        expect(listed!.at.getTime()).toBe(at.getTime());
        listed!.source = '198.51.100.7';
        listed!.at.setTime(0);
        listed!.detail!.reason = 'changed again';
        const [again] = await storage.audit.list({ limit: 10, accountId });
        expect(again).toMatchObject({ type: 'sign_in.failed', source: '192.0.2.1', detail: { reason: 'password' } });
        expect(again!.at.getTime()).toBe(at.getTime());
      });

      it('never lists an event past its retention', async () => {
        const accountId = `acct-${id()}`;
        await storage.audit.append(event('sign_in.failed', new Date(), { accountId }), 1);
        await sleep(1100);
        expect(await storage.audit.list({ limit: 10, accountId })).toEqual([]);
      });
    });

    describe('second factors (mfa/): the records behind authenticator apps, recovery codes and passkeys', () => {
      const ORIGIN = 'https://idp.example.test';

      it('keeps an authenticator app sealed, accepts each code once, and each recovery code once however requests race', async () => {
        const factors = createFactors({ storage, secrets: await loadFactorSecrets(storage.keys) });
        const [account, session] = [id(), id()];
        const secret = await factors.startTotp(account, session);
        const code = TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
        expect(await factors.confirmTotp(account, session, code)).toBe(true);
        expect(JSON.stringify(await storage.modelStore('AccountFactors').find(account))).not.toContain(secret);
        expect(await factors.verifyTotp(account, code)).toBe(false);

        const codes = await factors.newRecoveryCodes(account);
        const racing = await Promise.all(Array.from({ length: 5 }, () => factors.useRecoveryCode(account, codes[0]!)));
        expect(racing.filter(Boolean)).toHaveLength(1);
        expect(await factors.status(account)).toEqual({ totp: true, passkeys: 0, recoveryCodes: 9 });
        await factors.reset(account);
        expect(await factors.status(account)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });
      });

      it('registers a passkey, finds it by account, uses each challenge once, stores the counter, and removes it', async () => {
        const passkeys = createPasskeys({ storage, issuer: ORIGIN });
        const key = createSoftwareAuthenticator({ origin: ORIGIN });
        const [account, session, page] = [id(), id(), id()];
        const creation = await passkeys.startRegistration({ accountId: account, email: 'p@example.com', displayName: 'P', session, name: 'Key' });
        expect(await passkeys.finishRegistration({ accountId: account, session, response: JSON.stringify(key.register(creation)) })).toEqual({ ok: true, id: key.id, name: 'Key' });
        expect(await passkeys.has(account)).toBe(true);

        const request = await passkeys.startSignIn({ uid: page, expiresInSeconds: 60 });
        const answer = JSON.stringify(key.assert(request, { counter: 7 }));
        const racing = await Promise.all(Array.from({ length: 5 }, () => passkeys.finishSignIn({ uid: page, response: answer })));
        expect(racing.filter((outcome) => outcome.ok)).toHaveLength(1);
        expect(await storage.modelStore('PasskeyUse').find(key.id)).toMatchObject({ accountId: account, counter: 7 });

        const again = await passkeys.startSignIn({ uid: id(), expiresInSeconds: 60, accountId: account });
        expect(again.allowCredentials?.map((credential) => credential.id)).toEqual([key.id]);
        expect(await passkeys.remove(account, key.id)).toBe(true);
        expect(await passkeys.list(account)).toEqual([]);
        expect(await storage.modelStore('PasskeyUse').find(key.id)).toBeUndefined();
      });
    });

    it('answers ping', async () => {
      expect(await storage.ping()).toBe(true);
    });
  });
}
