/**
 * The stores a test can run against: in memory always, MongoDB when MONGODB_URI is set (in a
 * throw-away database). `open()` gives the memory store's one object every time, and a new
 * connection to the same database for MongoDB, as a restarted or second IdP process would.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { createMongoStorage, type MongoStorage } from '../../src/storage/mongo/index.js';
import type { Storage } from '../../src/storage/types.js';

export interface Backend {
  name: string;
  open(): Promise<Storage>;
  /** Drops what the backend created; call once at the end. */
  dispose(): Promise<void>;
}

export function backends(): Backend[] {
  const memory = createMemoryStorage();
  const list: Backend[] = [{ name: 'memory', open: async () => memory, dispose: async () => {} }];
  const uri = process.env.MONGODB_URI;
  if (uri) {
    const dbName = `idp_test_${randomBytes(6).toString('hex')}`;
    const connect = () => createMongoStorage(uri, createLogger('silent'), { attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 5000, dbName });
    const opened: MongoStorage[] = [];
    list.push({
      name: 'mongodb',
      async open() {
        const storage = await connect();
        opened.push(storage);
        return storage;
      },
      async dispose() {
        // The IdPs under test close their own connections; a fresh one drops the database.
        await Promise.all(opened.map((storage) => storage.close().catch(() => {})));
        const cleaner = await connect();
        await cleaner.connection.dropDatabase();
        await cleaner.close();
      },
    });
  }
  return list;
}

export const backendNames = () => backends().map((backend) => backend.name).join(', ');
