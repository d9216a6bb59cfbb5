/**
 * The MongoDB store. Every IdP instance pointed at the same database shares sessions, tokens,
 * clients, accounts, keys and cookie secrets: the IdP processes themselves stay stateless.
 */
import type { Connection } from 'mongoose';
import { AppError, isAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { assertKnownModel, STORED_MODELS } from '../models.js';
import type { OidcModelStore, Storage } from '../types.js';
import { createMongoAccounts } from './accounts.js';
import { createMongoAudit } from './audit.js';
import { buildIndexes } from './build-indexes.js';
import { connectMongo, type ConnectOptions } from './connection.js';
import { storageIndexPlan } from './index-plan.js';
import { createMongoKeys } from './keys.js';
import { createMongoModelStore } from './oidc-records.js';
import { createMongoRateLimiter } from './rate-limits.js';
import { maskMongoUri } from './uri.js';

export interface MongoStorage extends Storage {
  readonly kind: 'mongodb';
  readonly connection: Connection;
}

/** The store on a connection whose indexes are built (createMongoStorage does both). */
export function createMongoStorageOn(connection: Connection, logger?: Logger): MongoStorage {
  // A damaged record counts as absent (record-document.ts); someone should hear of it.
  const onUnreadable = (model: string) => logger?.warn('storage.unreadable_record', { model });
  // Every model's store (and its mongoose model) is made here, once: nothing is compiled or
  // created on a request.
  const stores = new Map<string, OidcModelStore>(STORED_MODELS.map((model) => [model, createMongoModelStore(connection, model, onUnreadable)]));
  return {
    kind: 'mongodb',
    connection,
    modelStore(model) {
      assertKnownModel(model);
      return stores.get(model)!;
    },
    accounts: createMongoAccounts(connection),
    rateLimiter: (options) => createMongoRateLimiter(connection, options),
    keys: createMongoKeys(connection),
    audit: createMongoAudit(connection),
    async ping() {
      const db = connection.db;
      if (!db) return false;
      // The driver's timeoutMS option does nothing in 7.x: a frozen server would hold /readyz for
      // the whole socket timeout, so the answer is raced against one second.
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

/**
 * Connects, then builds every collection's indexes and waits for them (index-plan.ts): the unique
 * email index must exist before the first account is written, and the TTL indexes before the
 * first record that should expire. A conflicting index stops start-up with its fix
 * (storage_index_conflict); a database that can't build them, with storage_unavailable.
 */
export async function createMongoStorage(uri: string, logger: Logger, options?: ConnectOptions): Promise<MongoStorage> {
  const connection = await connectMongo(uri, logger, options);
  try {
    await buildIndexes(connection.db!, storageIndexPlan());
  } catch (error) {
    await connection.close().catch(() => {});
    if (isAppError(error)) throw error;
    throw new AppError('storage_unavailable', `Cannot create the indexes in MongoDB at ${maskMongoUri(uri)}: ${(error as Error).message}`, { expose: true, cause: error });
  }
  return createMongoStorageOn(connection, logger);
}
