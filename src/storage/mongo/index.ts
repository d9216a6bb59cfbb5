/**
 * The MongoDB store. Every IdP instance pointed at the same database shares sessions, tokens,
 * clients, accounts, keys and cookie secrets: the IdP processes themselves stay stateless.
 */
import type { Connection } from 'mongoose';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { OidcModelStore, Storage } from '../types.js';
import { accountModel, createMongoAccounts } from './accounts.js';
import { auditModel, createMongoAudit } from './audit.js';
import { connectMongo, type ConnectOptions } from './connection.js';
import { createMongoKeys, keyModel } from './keys.js';
import { createMongoModelStore } from './oidc-records.js';
import { createMongoRateLimiter, createRateLimitIndexes } from './rate-limits.js';
import { maskMongoUri } from './uri.js';

export interface MongoStorage extends Storage {
  readonly kind: 'mongodb';
  readonly connection: Connection;
}

/** createIndexes is idempotent; it runs once per model per process, and again after a failure. */
export interface IndexedModel {
  modelName: string;
  createIndexes(): Promise<unknown>;
}

function indexCreator() {
  const created = new Map<string, Promise<void>>();
  return async (model: IndexedModel) => {
    let pending = created.get(model.modelName);
    if (!pending) {
      pending = model.createIndexes().then(() => undefined);
      created.set(model.modelName, pending);
      pending.catch(() => created.delete(model.modelName));
    }
    return pending;
  };
}

export function createMongoStorageOn(connection: Connection): MongoStorage {
  const ensureIndexes = indexCreator();
  const stores = new Map<string, OidcModelStore>();
  return {
    kind: 'mongodb',
    connection,
    modelStore(model) {
      let store = stores.get(model);
      if (!store) {
        store = createMongoModelStore(connection, model, ensureIndexes);
        stores.set(model, store);
      }
      return store;
    },
    accounts: createMongoAccounts(connection),
    rateLimiter: (options) => createMongoRateLimiter(connection, options),
    keys: createMongoKeys(connection),
    audit: createMongoAudit(connection),
    async ping() {
      const db = connection.db;
      if (!db) return false;
      // The driver's timeoutMS option does nothing in 7.x: a frozen server would hold /readyz for
      // the whole server-selection wait, so the answer is raced against one second.
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          db.admin().command({ ping: 1 }).then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), 1000);
          }),
        ]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await connection.close();
    },
  };
}

export async function createMongoStorage(uri: string, logger: Logger, options?: ConnectOptions): Promise<MongoStorage> {
  const connection = await connectMongo(uri, logger, options);
  try {
    // The unique email index must exist before the first account is written.
    await Promise.all([accountModel(connection).createIndexes(), keyModel(connection).createIndexes(), auditModel(connection).createIndexes(), createRateLimitIndexes(connection)]);
  } catch (error) {
    await connection.close().catch(() => {});
    throw new AppError('storage_unavailable', `Cannot create the indexes in MongoDB at ${maskMongoUri(uri)}: ${(error as Error).message}`, { expose: true, cause: error });
  }
  return createMongoStorageOn(connection);
}
