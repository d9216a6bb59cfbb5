import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiterOptions, Storage } from '../types.js';
import { createMemoryAccounts } from './accounts.js';
import { createMemoryAudit } from './audit.js';
import { createMemoryKeys } from './keys.js';
import { createMemoryOidcRecords } from './oidc-records.js';

export interface MemoryStorage extends Storage {
  readonly kind: 'memory';
}

/**
 * How often expired records are swept. Reads never return them, but without a sweep every session,
 * code and token ever issued would stay in memory until the process ends (MongoDB's TTL monitor
 * does this job there, about once a minute too).
 */
export const MEMORY_SWEEP_INTERVAL_MS = 60_000;

/**
 * A fresh, empty store: data lives as long as this object and is lost on exit. `caps`: per-model
 * entry caps (MEMORY_RECORD_CAPS by default); `anonymousCaps`: per-model caps on the records
 * nobody signed in on (MEMORY_ANONYMOUS_CAPS by default); `capChars`: the JSON characters each
 * capped model may hold (MEMORY_CAP_CHARS by default).
 */
export function createMemoryStorage(
  options: { now?: () => number; caps?: Readonly<Record<string, number>>; anonymousCaps?: Readonly<Record<string, number>>; capChars?: number } = {},
): MemoryStorage & { sweep(): number } {
  const records = createMemoryOidcRecords(options.now, options.caps, options.anonymousCaps, options.capChars);
  const sweeper = setInterval(() => records.sweep(), MEMORY_SWEEP_INTERVAL_MS);
  sweeper.unref();
  // One limiter per limit, as one collection would be: every IdP on this store counts together.
  const limiters = new Map<string, RateLimiterMemory>();
  const rateLimiter = ({ keyPrefix, points, durationSeconds }: RateLimiterOptions) => {
    const name = `${keyPrefix}/${points}/${durationSeconds}`;
    let limiter = limiters.get(name);
    if (!limiter) {
      // Bounded by time: each key is dropped when its window ends.
      limiter = new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });
      limiters.set(name, limiter);
    }
    return limiter;
  };
  return {
    kind: 'memory',
    modelStore: (model) => records.modelStore(model),
    accounts: createMemoryAccounts(),
    rateLimiter,
    keys: createMemoryKeys(),
    audit: createMemoryAudit(undefined, options.now),
    ping: async () => true,
    close: async () => clearInterval(sweeper),
    sweep: () => records.sweep(),
  };
}
