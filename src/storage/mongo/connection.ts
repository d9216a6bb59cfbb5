/**
 * Connecting to MongoDB with a bounded retry. A URI that can't be reached ends start-up with a
 * message naming the URI (password masked), instead of hanging or printing the password.
 *
 * Every wait of every later operation is bounded too, so a database that is away or hung gives a
 * prompt 503 (AppError storage_unavailable, outage.ts) instead of a request that waits for
 * minutes. What bounds what, in the driver (node_modules/mongodb/src):
 * - serverSelectionTimeoutMS: finding a server to talk to (sdam/topology.ts selectServer);
 * - connectTimeoutMS: opening a connection and its handshake (cmap/connect.ts), and each
 *   heartbeat, so a hung server is also marked unknown by the monitor (sdam/monitor.ts);
 * - waitQueueTimeoutMS: waiting for a free pooled connection (cmap/connection_pool.ts checkOut);
 * - socketTimeoutMS: waiting for the answer once a command is sent: the one bound on a server
 *   that accepted the command and never answers (cmap/connection.ts sendWire, then
 *   MongoNetworkTimeoutError). Without it (the driver's default is 0) such a wait never ends.
 *   Reads (and, on a replica set, writes) are retried once on that error (retryable reads and
 *   writes), so an operation gives up after at most about twice this.
 * `timeoutMS` is not one of them: driver 7 ignores it (connection_string.ts: "timeoutMS has no
 * effect").
 */
import mongoose, { type Connection } from 'mongoose';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_MAX_POOL_SIZE, DEFAULT_SOCKET_TIMEOUT_MS } from './limits.js';
import { maskMongoUri, mongoPasswords } from './uri.js';

export interface ConnectOptions {
  attempts: number;
  retryDelayMs: number;
  /** Finding a server, opening a connection to it, and waiting for a free pooled connection. */
  serverSelectionTimeoutMs: number;
  /** How long a sent command may go unanswered before it fails (and is retried once). */
  socketTimeoutMs?: number;
  /** Connections this process may hold open to each MongoDB server. */
  maxPoolSize?: number;
  /** Overrides the database named in the URI (tests use a throw-away one). */
  dbName?: string;
}

export const DEFAULT_CONNECT_OPTIONS: ConnectOptions = { attempts: 3, retryDelayMs: 1000, serverSelectionTimeoutMs: 3000 };

/** The driver and mongoose options our settings become; exported for the unit test that pins them. */
export function connectionOptions(options: ConnectOptions): mongoose.ConnectOptions {
  return {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
    connectTimeoutMS: options.serverSelectionTimeoutMs,
    waitQueueTimeoutMS: options.serverSelectionTimeoutMs,
    socketTimeoutMS: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    maxPoolSize: options.maxPoolSize ?? DEFAULT_MAX_POOL_SIZE,
    // Fail fast instead of queueing operations while the database is away.
    bufferCommands: false,
    // Indexes and collections are made once at start-up and awaited (build-indexes.ts), never
    // by mongoose when a model is first compiled (its autoCreate default), with errors unseen.
    autoIndex: false,
    autoCreate: false,
    // Defence in depth for filters: every id is type-checked before a query (src/storage/ids.ts);
    // should one slip through, an object holding `$` keys is wrapped in `$eq` instead of acting
    // as an operator (mongoose lib/helpers/query/sanitizeFilter.js). Our own operators are marked
    // with ourCondition (conditions.ts).
    sanitizeFilter: true,
    ...(options.dbName ? { dbName: options.dbName } : {}),
  };
}

export async function connectMongo(uri: string, logger: Logger, options: ConnectOptions = DEFAULT_CONNECT_OPTIONS): Promise<Connection> {
  const masked = maskMongoUri(uri);
  const passwords = mongoPasswords(uri);
  const scrub = (message: string) => passwords.reduce((text, password) => text.split(password).join('****'), message);
  let lastError = 'unknown error';
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    const connection = mongoose.createConnection(uri, connectionOptions(options));
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
