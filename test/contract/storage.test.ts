/**
 * Runs the storage contract against the in-memory store always, and against MongoDB whenever
 * MONGODB_URI is set (in a throw-away database that is dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { createMongoStorage, type MongoStorage } from '../../src/storage/mongo/index.js';
import { describeStorageContract } from './storage-contract.js';

const mongoUri = process.env.MONGODB_URI;

describeStorageContract('memory', async () => createMemoryStorage(), async (storage) => storage.close());

if (mongoUri) {
  describeStorageContract(
    'mongodb',
    () => createMongoStorage(mongoUri, createLogger('silent'), { attempts: 1, retryDelayMs: 0, serverSelectionTimeoutMs: 5000, dbName: `idp_contract_${randomBytes(6).toString('hex')}` }),
    async (storage) => {
      await (storage as MongoStorage).connection.dropDatabase();
      await storage.close();
    },
  );
}

afterAll(() => {
  process.stdout.write(`\nstorage contract ran against: memory${mongoUri ? ', mongodb' : ' (MongoDB not run: set MONGODB_URI to include it)'}\n`);
});
