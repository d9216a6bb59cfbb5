/**
 * site-a's state: the sessions and the logout-token replay cache, in memory or in MongoDB
 * (SITE_A_MONGODB_URI).
 */
import { createMemoryReplayCache, type ReplayCache } from '../shared/state/replay-cache.js';
import { openMongoReplayCache } from '../shared/state/mongo-replay-cache.js';
import { siteState, type OpenOptions, type StateHolder } from '../shared/state/site-state.js';
import type { SiteAConfig } from './config.js';
import { openMongoSessionStore } from './mongo-session-store.js';
import { createMemorySessionStore, type SessionStore } from './session-store.js';

export interface SiteAState extends StateHolder {
  sessions: SessionStore;
  logoutReplays: ReplayCache;
}

const sessionOptions = (config: SiteAConfig) => ({ ttlSeconds: config.sessionTtlSeconds, maxSessions: config.maxSessions });

const state = siteState<SiteAConfig, Omit<SiteAState, keyof StateHolder>>({
  memory: (config) => ({ sessions: createMemorySessionStore(sessionOptions(config)), logoutReplays: createMemoryReplayCache() }),
  mongo: async (connection, config) => ({
    sessions: await openMongoSessionStore(connection, config.clientId, sessionOptions(config)),
    logoutReplays: await openMongoReplayCache(connection, config.clientId),
  }),
});

export const createMemorySiteAState: (config: SiteAConfig) => SiteAState = state.inMemory;
export const openSiteAState: (config: SiteAConfig, options?: OpenOptions) => Promise<SiteAState> = state.open;
