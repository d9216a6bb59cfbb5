/**
 * Growing delays instead of a lock, counting failures, not attempts. The first `freeAttempts`
 * failures in a window cost nothing; after them one attempt at a time may go ahead, and each
 * earns a pause twice as long as the one before (1 s, 2 s, 4 s ... up to `maxDelaySeconds`). An
 * attempt during a pause is refused with the time left. Nothing is ever locked for good, and a
 * correct password never counts against anyone: any number of concurrent correct sign-ins go
 * through.
 *
 * What stops a burst of parallel guesses slipping past (they would all see the same count before
 * any failed): checks in flight are reserved. An attempt goes ahead only while the failures stored
 * plus the checks of the same key running in this process stay below the free number; otherwise
 * it waits for one of those checks to finish and looks again: if they failed, it is refused, if
 * they succeeded, it goes ahead. Across several instances a burst is bounded by the free number per
 * instance, and by the stored failures from then on.
 *
 * The failures are counted by rate-limiter-flexible in the store (every instance agrees); the
 * pauses are a second limiter with one point per pause (opened with the pause as its duration),
 * so exactly one attempt per pause goes ahead, atomically, whichever instance receives it.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Storage } from '../storage/types.js';

export interface GateRule {
  /** Names the rule's keys in the store. */
  name: string;
  freeAttempts: number;
  windowSeconds: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

/** An attempt let through: say how its check ended. */
export interface Pass {
  done(outcome: 'failed' | 'succeeded' | 'not_checked'): Promise<void>;
}

export type Entry = { admitted: true; pass: Pass } | { admitted: false; retryAfterSeconds: number };

export interface AttemptGate {
  enter(key: string): Promise<Entry>;
  /** Forgets every failure and pause of the key. */
  clear(key: string): Promise<void>;
}

/** How long an attempt waits for the checks in flight before it looks again (they take ~30 ms). */
const WAIT_FOR_CHECKS_MS = 10_000;

/** The pause earned by the n-th attempt beyond the free ones. */
export function delayFor(rule: GateRule, excess: number): number {
  return Math.min(rule.maxDelaySeconds, rule.baseDelaySeconds * 2 ** Math.min(excess - 1, 30));
}

/** Checks running per key in this process, and who waits for one of them to finish. */
function createReservations() {
  const running = new Map<string, { count: number; waiters: (() => void)[] }>();
  return {
    count: (key: string) => running.get(key)?.count ?? 0,
    take(key: string) {
      const entry = running.get(key) ?? { count: 0, waiters: [] };
      entry.count += 1;
      running.set(key, entry);
    },
    release(key: string) {
      const entry = running.get(key);
      if (!entry) return;
      entry.count -= 1;
      for (const wake of entry.waiters.splice(0)) wake();
      if (entry.count === 0) running.delete(key);
    },
    /** Resolves when a check of `key` finishes, or after `ms`. */
    waitForOne(key: string, ms: number): Promise<void> {
      const entry = running.get(key);
      if (!entry) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        entry.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** Runs tasks of one key one after another; keys are forgotten when their queue empties. */
function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const next = (tails.get(key) ?? Promise.resolve()).then(task, task);
      const tail = next.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
  };
}

export function createAttemptGate(storage: Storage, rule: GateRule): AttemptGate {
  const failures = storage.rateLimiter({ keyPrefix: `gate:${rule.name}:failures`, points: Number.MAX_SAFE_INTEGER, durationSeconds: rule.windowSeconds });
  const turns = storage.rateLimiter({ keyPrefix: `gate:${rule.name}:turns`, points: 1, durationSeconds: rule.maxDelaySeconds });
  const reservations = createReservations();

  function pass(key: string): Pass {
    reservations.take(key);
    let settled = false;
    return {
      async done(outcome) {
        if (settled) return;
        settled = true;
        try {
          if (outcome === 'failed') await failures.penalty(key);
        } finally {
          reservations.release(key);
        }
      },
    };
  }

  /** Past the free failures: one attempt per pause, or the time left. */
  async function turn(key: string, failed: number): Promise<Entry> {
    try {
      await turns.consume(key, 1, { customDuration: delayFor(rule, failed - rule.freeAttempts + 1) });
      return { admitted: true, pass: pass(key) };
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
    }
  }

  /**
   * One decision at a time per key in this process, so two attempts can't both read the same
   * count before either reserves. The checks in flight are read before the stored failures: a
   * check that fails in between is then counted twice (safe), never not at all.
   */
  const decisions = createKeyedQueue();
  const decide = (key: string) =>
    decisions.run(key, async (): Promise<Entry | 'wait'> => {
      const inFlight = reservations.count(key);
      const failed = (await failures.get(key))?.consumedPoints ?? 0;
      if (failed >= rule.freeAttempts) return turn(key, failed);
      if (failed + inFlight < rule.freeAttempts) return { admitted: true, pass: pass(key) };
      return 'wait';
    });

  return {
    async enter(key) {
      const deadline = Date.now() + WAIT_FOR_CHECKS_MS;
      for (;;) {
        const decision = await decide(key);
        if (decision !== 'wait') return decision;
        if (Date.now() >= deadline) return { admitted: false, retryAfterSeconds: 1 };
        await reservations.waitForOne(key, deadline - Date.now());
      }
    },
    async clear(key) {
      await Promise.all([failures.delete(key), turns.delete(key)]);
    },
  };
}

/** Several gates passed together: admitted by all, or by none (the passes taken are given back). */
export type Admission = { admitted: true; settle(outcome: 'failed' | 'succeeded' | 'not_checked'): Promise<void> } | { admitted: false; retryAfterSeconds: number };

export async function enterAll(entries: readonly (readonly [AttemptGate, string])[]): Promise<Admission> {
  const passes: Pass[] = [];
  for (const [gate, key] of entries) {
    const entry = await gate.enter(key);
    if (!entry.admitted) {
      await Promise.all(passes.map((taken) => taken.done('not_checked')));
      return { admitted: false, retryAfterSeconds: entry.retryAfterSeconds };
    }
    passes.push(entry.pass);
  }
  return { admitted: true, settle: async (outcome) => void (await Promise.all(passes.map((taken) => taken.done(outcome)))) };
}
