/**
 * A damaged record in MongoDB (a payload that is not a JSON object: text cut short, or written by
 * something else) counts as absent: it fails no read that meets it, so one bad session can't give
 * its person an error on every request, nor stop "sign out everywhere" half way. Against the
 * stand-in server (test/support/fake-mongo.ts), which answers with the damaged document as a real
 * server would hand it back.
 */
import type { Provider } from 'oidc-provider';
import { createAccessEnder } from '../../src/account/end-access.js';
import { createLogger } from '../../src/logger.js';
import { createMongoStorage, type MongoStorage } from '../../src/storage/mongo/index.js';
import { startFakeMongo, type FakeMongo, type ReceivedCommand } from '../support/fake-mongo.js';

type Doc = Record<string, unknown>;

const DAMAGED = { _id: 'session-damaged', accountId: 'person-1', payload: '{"accountId":"person-1","authorizations":{"ap' };
const session = { _id: 'session-ok', accountId: 'person-1', payload: JSON.stringify({ accountId: 'person-1', authorizations: { app: { sid: 'sid-1', grantId: 'grant-1' } } }) };
const grant = { _id: 'grant-1', accountId: 'person-1', payload: JSON.stringify({ accountId: 'person-1', clientId: 'app', openid: { scope: 'openid' } }) };

const collectionOf = (command: ReceivedCommand) => String(command.body[command.name]);
const batch = (command: ReceivedCommand, docs: Doc[]) => ({ cursor: { id: 0n, ns: `${command.db}.${collectionOf(command)}`, firstBatch: docs }, ok: 1 });

describe('a damaged record in MongoDB', () => {
  let fake: FakeMongo;
  let storage: MongoStorage;
  const logged: string[] = [];
  beforeEach(async () => {
    fake = await startFakeMongo();
    storage = await createMongoStorage(fake.uri(), createLogger('info', (line) => logged.push(line)), { attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 2000, socketTimeoutMs: 1000 });
    fake.answer((command) => {
      if (command.name !== 'find') return undefined;
      if (collectionOf(command) === 'oidc_Session') return batch(command, (command.body.filter as Doc)._id === 'session-ok' ? [session] : [DAMAGED, session]);
      if (collectionOf(command) === 'oidc_Grant') return batch(command, [grant]);
      return undefined;
    });
  });
  afterEach(async () => {
    await storage.close();
    await fake.close();
    logged.length = 0;
  });

  it('is no record to a lookup, and the records beside it are still read; the log names the model, never the id', async () => {
    const sessions = storage.modelStore('Session');
    fake.answer((command) => (command.name === 'find' ? batch(command, (command.body.filter as Doc)._id === 'session-damaged' ? [DAMAGED] : [DAMAGED, session]) : undefined));
    expect(await sessions.find('session-damaged')).toBeUndefined();
    expect((await sessions.findByAccountId('person-1')).map(({ id }) => id)).toEqual(['session-ok']);
    expect((await sessions.page({ limit: 10 })).map(({ id }) => id)).toEqual(['session-ok']);
    const warnings = logged.map((line) => JSON.parse(line) as Doc).filter((entry) => entry.event === 'storage.unreadable_record');
    expect(warnings).toEqual([expect.objectContaining({ level: 'warn', model: 'Session' }), expect.objectContaining({ model: 'Session' }), expect.objectContaining({ model: 'Session' })]);
    expect(logged.join('\n')).not.toContain('session-damaged');
  });

  it('fills a page that lost a damaged record from further on, so a short page still means the end', async () => {
    const clients = storage.modelStore('Client');
    const record = (id: string) => ({ _id: id, payload: JSON.stringify({ client_id: id }) });
    const finds: Doc[] = [];
    fake.answer((command) => {
      if (command.name !== 'find') return undefined;
      finds.push(command.body);
      const after = ((command.body.filter as Doc)._id as { $gt?: string } | undefined)?.$gt;
      // a, b (damaged), c, d on the server; each answer as many as asked for, after the cursor.
      const all = [record('a'), { _id: 'b', payload: '{"client_id":' }, record('c'), record('d')].filter((doc) => after === undefined || doc._id > after);
      return batch(command, all.slice(0, Number(command.body.limit)));
    });
    expect((await clients.page({ limit: 2 })).map(({ id }) => id)).toEqual(['a', 'c']);
    expect(finds.map((body) => [((body.filter as Doc)._id as { $gt?: string } | undefined)?.$gt, body.limit])).toEqual([
      [undefined, 2],
      ['b', 1],
    ]);
    expect((await clients.page({ limit: 5, after: 'a' })).map(({ id }) => id)).toEqual(['c', 'd']);
  });

  it('does not stop ending all of a person\'s access: the readable session and the grant still go', async () => {
    const provider = { Client: { find: async () => undefined } } as unknown as Provider;
    const ender = createAccessEnder({ provider: () => provider, storage, logger: createLogger('silent') });
    const start = fake.commands().length;
    expect(await ender.endAll('person-1')).toEqual({ sessions: 1, apps: 1, offlineApps: 0, notified: 0 });
    const deleted = fake
      .commands()
      .slice(start)
      .filter((command) => command.name === 'delete')
      .map((command) => ({ from: collectionOf(command), q: (command.body.deletes as { q: Doc }[])[0]!.q }));
    expect(deleted).toEqual(expect.arrayContaining([{ from: 'oidc_Session', q: { _id: 'session-ok' } }, { from: 'oidc_Grant', q: { _id: 'grant-1' } }]));
  });
});
