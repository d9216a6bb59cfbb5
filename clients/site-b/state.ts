/**
 * site-b's state: the deny-list and the logout-token replay cache, in memory or in MongoDB
 * (SITE_B_MONGODB_URI). See deny-list.ts for what the memory list does after a restart.
 */
import { createMemoryReplayCache, type ReplayCache } from '../shared/state/replay-cache.js';
import { openMongoReplayCache } from '../shared/state/mongo-replay-cache.js';
import { siteState, type OpenOptions, type StateHolder } from '../shared/state/site-state.js';
import type { SiteBConfig } from './config.js';
import { createMemoryDenyList, MAX_DENY_LIST_ENTRIES, type DenyList } from './deny-list.js';
import { openMongoDenyList } from './mongo-deny-list.js';

export interface SiteBState extends StateHolder {
  denyList: DenyList;
  logoutReplays: ReplayCache;
}

// An entry can go once every session token that might carry it has expired.
const denyListOptions = (config: SiteBConfig) => ({ ttlSeconds: config.sessionTtlSeconds, maxEntries: MAX_DENY_LIST_ENTRIES });

const state = siteState<SiteBConfig, Omit<SiteBState, keyof StateHolder>>({
  memory: (config) => ({ denyList: createMemoryDenyList(denyListOptions(config)), logoutReplays: createMemoryReplayCache() }),
  mongo: async (connection, config) => ({
    denyList: await openMongoDenyList(connection, config.clientId, denyListOptions(config)),
    logoutReplays: await openMongoReplayCache(connection, config.clientId),
  }),
});

export const createMemorySiteBState: (config: SiteBConfig) => SiteBState = state.inMemory;
export const openSiteBState: (config: SiteBConfig, options?: OpenOptions) => Promise<SiteBState> = state.open;
