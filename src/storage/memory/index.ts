import type { Storage } from '../types.js';
import { createMemoryAccounts } from './accounts.js';
import { createMemoryCounters } from './counters.js';
import { createMemoryKeys } from './keys.js';
import { createMemoryOidcRecords } from './oidc-records.js';

export interface MemoryStorage extends Storage {
  readonly kind: 'memory';
}

/** A fresh, empty store: data lives as long as this object and is lost on exit. */
export function createMemoryStorage(options: { now?: () => number } = {}): MemoryStorage {
  const records = createMemoryOidcRecords(options.now);
  return {
    kind: 'memory',
    modelStore: (model) => records.modelStore(model),
    accounts: createMemoryAccounts(),
    counters: createMemoryCounters(options.now),
    keys: createMemoryKeys(),
    ping: async () => true,
    close: async () => {},
  };
}
