/**
 * Where a sample site keeps its own state (site-a's sessions, site-b's deny-list, both sites'
 * logout-token replay cache): in the process (the default: lost at restart, not shared), or in
 * MongoDB when the site's *_MONGODB_URI is set (kept across restarts, shared by every process of
 * the site). The stores themselves are built by each site (site-a/state.ts, site-b/state.ts).
 */
import type { Connection } from 'mongoose';
import { AppError, isAppError } from '../../../src/errors.js';
import { maskMongoUri } from '../../../src/storage/mongo/uri.js';
import type { SiteConfig } from '../site-config.js';
import { connectSiteMongo, type SiteMongoTimeouts } from './mongo-connection.js';

export interface StateHolder {
  readonly kind: 'memory' | 'mongodb';
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Overrides the database named in the URI (tests use a throw-away one). */
  dbName?: string;
  timeouts?: SiteMongoTimeouts;
}

/** How one site builds its stores, in memory and on a MongoDB connection (awaiting their indexes). */
export interface SiteStores<Config extends SiteConfig, Stores extends object> {
  memory(config: Config): Stores;
  mongo(connection: Connection, config: Config): Promise<Stores>;
}

export function siteState<Config extends SiteConfig, Stores extends object>(stores: SiteStores<Config, Stores>) {
  const inMemory = (config: Config): Stores & StateHolder => ({ ...stores.memory(config), kind: 'memory', close: async () => {} });
  return {
    inMemory,
    /** The state the config asks for: MongoDB when its *_MONGODB_URI is set, else memory. */
    async open(config: Config, options: OpenOptions = {}): Promise<Stores & StateHolder> {
      if (!config.mongodbUri) return inMemory(config);
      const uri = config.mongodbUri;
      // Connects, then builds the stores and awaits their indexes, or fails start-up saying why.
      const connection = await connectSiteMongo(uri, options);
      try {
        return { ...(await stores.mongo(connection, config)), kind: 'mongodb', close: () => connection.close() };
      } catch (error) {
        await connection.close().catch(() => {});
        // An index conflict already says which index and how to fix it (storage_index_conflict).
        if (isAppError(error)) throw error;
        throw new AppError('storage_unavailable', `Cannot create the indexes in MongoDB at ${maskMongoUri(uri)}: ${(error as Error).message}`, { expose: true, cause: error });
      }
    },
  };
}
