/**
 * Picks the store: MongoDB when MONGODB_URI is set, otherwise an in-memory store (zero set-up,
 * lost on exit, refused in production).
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createMemoryStorage } from './memory/index.js';
import type { ConnectOptions } from './mongo/connection.js';
import type { Storage } from './types.js';

export const MEMORY_STORE_NOTICE =
  'Using the in-memory store: every session, token, registered client, account and key is lost when the IdP stops, and it cannot be shared by several IdP processes. Set MONGODB_URI to keep them in MongoDB.';

/** The MONGODB_* settings as the MongoDB store takes them (the IdP and the admin CLI). */
export function mongoConnectOptions(config: Readonly<Config>): ConnectOptions {
  return {
    attempts: config.mongodbConnectAttempts,
    serverSelectionTimeoutMs: config.mongodbConnectTimeoutMs,
    socketTimeoutMs: config.mongodbSocketTimeoutMs,
    maxPoolSize: config.mongodbMaxPoolSize,
    retryDelayMs: 1000,
  };
}

export async function createStorage(config: Readonly<Config>, logger: Logger): Promise<Storage> {
  if (config.mongodbUri) {
    // Loaded only when used: mongoose and the driver are ~30 MiB of resident memory that an IdP on
    // the in-memory store would carry for nothing (issue 10's peak-RSS target).
    const { createMongoStorage } = await import('./mongo/index.js');
    return createMongoStorage(config.mongodbUri, logger, mongoConnectOptions(config));
  }
  if (config.nodeEnv === 'production') {
    throw new AppError('invalid_config', `Refusing the in-memory store in production: it loses all data on exit. Set MONGODB_URI (for example mongodb://db.internal:27017/idp).`, { expose: true });
  }
  logger.warn('storage.memory', { message: MEMORY_STORE_NOTICE });
  return createMemoryStorage();
}
