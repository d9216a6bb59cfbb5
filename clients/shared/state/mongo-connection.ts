/**
 * A sample site's own MongoDB connection (not the IdP's: a site is a separate program that only
 * shares the database server). Every wait is bounded, so a database that is away or frozen makes
 * a request fail in seconds instead of hanging it; start-up makes one attempt and says why it
 * failed, with the password masked (a supervisor restarts the site).
 */
import mongoose, { type Connection } from 'mongoose';
import { AppError } from '../../../src/errors.js';
import { maskMongoUri, mongoPasswords } from '../../../src/storage/mongo/uri.js';

export interface SiteMongoTimeouts {
  /** Finding a server to talk to, at start-up and for every operation. */
  serverSelectionTimeoutMs: number;
  /** Opening one TCP/TLS connection. */
  connectTimeoutMs: number;
  /** A socket with no answer for this long is closed and the operation fails (a frozen server). */
  socketTimeoutMs: number;
  /** Waiting for a free pooled connection when all are busy. */
  waitQueueTimeoutMs: number;
}

export const SITE_MONGO_TIMEOUTS: SiteMongoTimeouts = { serverSelectionTimeoutMs: 3000, connectTimeoutMs: 3000, socketTimeoutMs: 5000, waitQueueTimeoutMs: 3000 };
/** Connections one site process may hold open to MongoDB. */
export const SITE_MONGO_MAX_POOL_SIZE = 10;

export async function connectSiteMongo(uri: string, options: { dbName?: string; timeouts?: SiteMongoTimeouts } = {}): Promise<Connection> {
  const timeouts = options.timeouts ?? SITE_MONGO_TIMEOUTS;
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeouts.serverSelectionTimeoutMs,
    connectTimeoutMS: timeouts.connectTimeoutMs,
    socketTimeoutMS: timeouts.socketTimeoutMs,
    waitQueueTimeoutMS: timeouts.waitQueueTimeoutMs,
    maxPoolSize: SITE_MONGO_MAX_POOL_SIZE,
    // Fail fast instead of queueing operations while the database is away.
    bufferCommands: false,
    // Each store builds its indexes when it opens and awaits them; nothing is made lazily.
    autoIndex: false,
    autoCreate: false,
    // Defence in depth, as on the IdP's connection (src/storage/mongo/connection.ts).
    sanitizeFilter: true,
    ...(options.dbName ? { dbName: options.dbName } : {}),
  });
  try {
    await connection.asPromise();
    return connection;
  } catch (error) {
    // destroy(), not close(): it also drops the connection from mongoose's list.
    await connection.destroy().catch(() => {});
    const reason = mongoPasswords(uri).reduce((text, password) => text.split(password).join('****'), error instanceof Error ? error.message : String(error));
    throw new AppError('storage_unavailable', `Cannot connect to MongoDB at ${maskMongoUri(uri)}: ${reason}`, { expose: true });
  }
}

/**
 * The collection of one site's store, e.g. `rp_sessions.site-a`. Named by client id, so sites
 * sharing a database (site-a's code also runs as site-c) never read each other's sessions.
 */
export function siteCollection(store: string, clientId: string): string {
  return `rp_${store}.${clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
