/**
 * Connecting to MongoDB with a bounded retry. A URI that can't be reached ends start-up with a
 * message naming the URI (password masked), instead of hanging or printing the password.
 */
import mongoose, { type Connection } from 'mongoose';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { maskMongoUri, mongoPasswords } from './uri.js';

export interface ConnectOptions {
  attempts: number;
  retryDelayMs: number;
  serverSelectionTimeoutMs: number;
  /** Overrides the database named in the URI (tests use a throw-away one). */
  dbName?: string;
}

export const DEFAULT_CONNECT_OPTIONS: ConnectOptions = { attempts: 3, retryDelayMs: 1000, serverSelectionTimeoutMs: 3000 };

export async function connectMongo(uri: string, logger: Logger, options: ConnectOptions = DEFAULT_CONNECT_OPTIONS): Promise<Connection> {
  const masked = maskMongoUri(uri);
  const passwords = mongoPasswords(uri);
  const scrub = (message: string) => passwords.reduce((text, password) => text.split(password).join('****'), message);
  let lastError = 'unknown error';
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    const connection = mongoose.createConnection(uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
      // Fail fast instead of queueing operations while the database is away.
      bufferCommands: false,
      // Indexes and collections are made once at start-up and awaited (build-indexes.ts), never
      // by mongoose when a model is first compiled (its autoCreate default), with errors unseen.
      autoIndex: false,
      autoCreate: false,
      ...(options.dbName ? { dbName: options.dbName } : {}),
    });
    try {
      await connection.asPromise();
      logger.info('storage.mongo_connected', { uri: masked });
      return connection;
    } catch (error) {
      lastError = scrub(error instanceof Error ? error.message : String(error));
      // destroy(), not close(): it also drops the connection from mongoose's list.
      await connection.destroy().catch(() => {});
      logger.warn('storage.mongo_connect_failed', { uri: masked, attempt, of: options.attempts, reason: lastError });
      if (attempt < options.attempts) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
    }
  }
  throw new AppError('storage_unavailable', `Cannot connect to MongoDB at ${masked} after ${options.attempts} attempts: ${lastError}`, { expose: true });
}
