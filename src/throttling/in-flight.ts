/**
 * How many password checks one source has running or waiting right now. The shared slots
 * (accounts/password-check-slots.ts) are first come, first served: without a share per source,
 * one client with valid credentials (which are never throttled) could keep every slot busy and
 * everyone else answered "busy". Bounded by the requests in flight: an entry lives as long as one.
 */
export interface InFlight {
  /** Runs `task` unless `key` already has `limit` in flight; undefined when refused. */
  run<T>(key: string, task: () => Promise<T>): Promise<T | undefined>;
}

export function createInFlight(limit: number): InFlight {
  const counts = new Map<string, number>();
  return {
    async run(key, task) {
      const current = counts.get(key) ?? 0;
      if (current >= limit) return undefined;
      counts.set(key, current + 1);
      try {
        return await task();
      } finally {
        const left = (counts.get(key) ?? 1) - 1;
        if (left > 0) counts.set(key, left);
        else counts.delete(key);
      }
    },
  };
}
