import type { CounterRepository } from '../types.js';

export function createMemoryCounters(now: () => number = Date.now): CounterRepository {
  const counters = new Map<string, { count: number; expiresAt: number }>();
  return {
    async increment(key, windowSeconds) {
      // Read and write in one synchronous step: concurrent callers each get their own count.
      const at = now();
      const current = counters.get(key);
      const next = current && current.expiresAt > at ? { ...current, count: current.count + 1 } : { count: 1, expiresAt: at + windowSeconds * 1000 };
      counters.set(key, next);
      if (counters.size > 10_000) for (const [k, v] of counters) if (v.expiresAt <= at) counters.delete(k);
      return next.count;
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}
