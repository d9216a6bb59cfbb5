/**
 * Runs the sample sites' store contract against memory always, and against MongoDB whenever
 * MONGODB_URI is set (a throw-away database, dropped afterwards, reached over two connections as
 * two site processes would).
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createMemorySessionStore, type SessionStore } from '../../clients/site-a/session-store.js';
import { openMongoSessionStore } from '../../clients/site-a/mongo-session-store.js';
import { createMemoryDenyList, type DenyList } from '../../clients/site-b/deny-list.js';
import { openMongoDenyList } from '../../clients/site-b/mongo-deny-list.js';
import { connectSiteMongo } from '../../clients/shared/state/mongo-connection.js';
import { openMongoReplayCache } from '../../clients/shared/state/mongo-replay-cache.js';
import { createMemoryReplayCache, type ReplayCache } from '../../clients/shared/state/replay-cache.js';
import { describeSiteStoreContract, type SiteStoreBackend } from './site-state-contract.js';

/** In memory, "another process" opening a namespace gets the very same store object. */
function memoryBackend(): SiteStoreBackend {
  const opened = new Map<string, SessionStore | DenyList | ReplayCache>();
  const once = <T extends SessionStore | DenyList | ReplayCache>(key: string, make: () => T): T => {
    if (!opened.has(key)) opened.set(key, make());
    return opened.get(key) as T;
  };
  return {
    name: 'memory',
    sessions: async (namespace, options) => once(`sessions:${namespace}`, () => createMemorySessionStore(options)),
    denyList: async (namespace, options) => once(`denials:${namespace}`, () => createMemoryDenyList(options)),
    replays: async (namespace, now) => once(`replays:${namespace}`, () => createMemoryReplayCache({ now })),
    close: async () => {},
  };
}

function mongoBackend(uri: string): SiteStoreBackend {
  const dbName = `site_state_contract_${randomBytes(6).toString('hex')}`;
  const connections = new Map<number, Promise<Connection>>();
  const connection = (process = 1) => {
    if (!connections.has(process)) connections.set(process, connectSiteMongo(uri, { dbName }));
    return connections.get(process)!;
  };
  return {
    name: 'mongodb',
    sessions: async (namespace, options, process) => openMongoSessionStore(await connection(process), namespace, options),
    denyList: async (namespace, options, process) => openMongoDenyList(await connection(process), namespace, options),
    replays: async (namespace, now, process) => openMongoReplayCache(await connection(process), namespace, now),
    async close() {
      const first = await connection(1);
      await first.dropDatabase();
      await Promise.all([...connections.values()].map(async (opened) => (await opened).close()));
    },
  };
}

describeSiteStoreContract(memoryBackend());
const mongoUri = process.env.MONGODB_URI;
if (mongoUri) describeSiteStoreContract(mongoBackend(mongoUri));

afterAll(() => {
  process.stdout.write(`\nsite state contract ran against: memory${mongoUri ? ', mongodb' : ' (MongoDB not run: set MONGODB_URI to include it)'}\n`);
});
