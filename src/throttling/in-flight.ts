/**
 * A share of the password checks per source address. The shared slots
 * (accounts/password-check-slots.ts) are first come, first served: without a share, one client
 * with valid credentials (never throttled) could keep every slot busy and everyone else would be
 * answered "busy". So each source runs at most `running` checks at once; its further checks wait
 * their turn (so concurrent correct sign-ins from one office are served, not refused), at most
 * `waiting` of them and at most `maxWaitMs`; beyond that, undefined (the caller answers "busy").
 * Bounded by the requests in flight: an entry lives as long as one.
 */
/** Checks one source may have waiting for its share (an office signing in at nine, not a flood), and for how long. */
export const PER_SOURCE_WAITING = 32;
export const PER_SOURCE_MAX_WAIT_MS = 10_000;

export interface InFlight {
  /** Runs `task` in `key`'s share; undefined when the share's queue is full or the wait too long. */
  run<T>(key: string, task: () => Promise<T>): Promise<T | undefined>;
}

export interface InFlightLimits {
  running: number;
  waiting: number;
  maxWaitMs: number;
}

interface Share {
  running: number;
  queue: (() => void)[];
}

export function createInFlight(limits: InFlightLimits): InFlight {
  const shares = new Map<string, Share>();

  /** Resolves true with a place taken, or false when the queue is full or the wait ran out. */
  function acquire(key: string): Promise<boolean> {
    const share = shares.get(key) ?? { running: 0, queue: [] };
    shares.set(key, share);
    if (share.running < limits.running) {
      share.running += 1;
      return Promise.resolve(true);
    }
    if (share.queue.length >= limits.waiting) return Promise.resolve(false);
    return new Promise((resolve) => {
      const turn = () => {
        clearTimeout(timer);
        resolve(true); // the place is handed over by release(): running stays the same
      };
      const timer = setTimeout(() => {
        share.queue.splice(share.queue.indexOf(turn), 1);
        resolve(false);
      }, limits.maxWaitMs);
      share.queue.push(turn);
    });
  }

  function release(key: string): void {
    const share = shares.get(key);
    if (!share) return;
    const next = share.queue.shift();
    if (next) return next();
    share.running -= 1;
    if (share.running === 0) shares.delete(key);
  }

  return {
    async run(key, task) {
      if (!(await acquire(key))) return undefined;
      try {
        return await task();
      } finally {
        release(key);
      }
    },
  };
}
