/**
 * Growing delays instead of a lock. Every attempt for a key is counted (atomically, in the store,
 * before the password is checked, so a burst of concurrent guesses is counted in full). The first
 * `freeAttempts` in a window go ahead; after them, one attempt at a time may go ahead, and each
 * earns a pause twice as long as the one before (1 s, 2 s, 4 s ... up to `maxDelaySeconds`).
 * An attempt during a pause is refused with the time left, and still counts, so hammering only
 * lengthens the next pause. Nothing is ever locked for good: waiting always works.
 *
 * Two rate-limiter-flexible limiters carry it: `attempts` counts per window; `turns` (one point,
 * opened with the pause as its duration) lets exactly one attempt through per pause, atomically,
 * whichever instance receives it.
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

export interface AttemptGate {
  /** Counts an attempt; 0 when it may go ahead, otherwise the seconds to wait. */
  enter(key: string): Promise<number>;
  /** Takes one counted attempt back (a success that must not count against a shared address). */
  forgive(key: string): Promise<void>;
  /** Forgets every attempt and pause of the key. */
  clear(key: string): Promise<void>;
}

/** The pause earned by the n-th attempt beyond the free ones. */
export function delayFor(rule: GateRule, excess: number): number {
  return Math.min(rule.maxDelaySeconds, rule.baseDelaySeconds * 2 ** Math.min(excess - 1, 30));
}

export function createAttemptGate(storage: Storage, rule: GateRule): AttemptGate {
  const attempts = storage.rateLimiter({ keyPrefix: `gate:${rule.name}:attempts`, points: Number.MAX_SAFE_INTEGER, durationSeconds: rule.windowSeconds });
  const turns = storage.rateLimiter({ keyPrefix: `gate:${rule.name}:turns`, points: 1, durationSeconds: rule.maxDelaySeconds });
  return {
    async enter(key) {
      const excess = (await attempts.penalty(key)).consumedPoints - rule.freeAttempts;
      if (excess <= 0) return 0;
      try {
        await turns.consume(key, 1, { customDuration: delayFor(rule, excess) });
        return 0;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      }
    },
    async forgive(key) {
      await attempts.reward(key);
    },
    async clear(key) {
      await Promise.all([attempts.delete(key), turns.delete(key)]);
    },
  };
}
