import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Storage } from '../types.js';
import { createMemoryAccounts } from './accounts.js';
import { createMemoryAudit } from './audit.js';
import { createMemoryKeys } from './keys.js';
import { createMemoryOidcRecords } from './oidc-records.js';

export interface MemoryStorage extends Storage {
  readonly kind: 'memory';
}

/** A fresh, empty store: data lives as long as this object and is lost on exit. */
/** `caps`: per-model entry caps (MEMORY_RECORD_CAPS by default). */
export function createMemoryStorage(options: { now?: () => number; caps?: Readonly<Record<string, number>> } = {}): MemoryStorage {
  const records = createMemoryOidcRecords(options.now, options.caps);
  return {
    kind: 'memory',
    modelStore: (model) => records.modelStore(model),
    accounts: createMemoryAccounts(),
    // Bounded by time: each key is dropped when its window ends.
    rateLimiter: ({ keyPrefix, points, durationSeconds }) => new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }),
    keys: createMemoryKeys(),
    audit: createMemoryAudit(undefined, options.now),
    ping: async () => true,
    close: async () => {},
  };
}
