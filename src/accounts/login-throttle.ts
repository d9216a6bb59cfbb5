/**
 * Slows online password guessing: after `maxFailures` failed sign-ins for one email within
 * `windowSeconds`, that email is refused until the window has passed. Counted per email string,
 * whether an account exists or not, so the lock itself reveals nothing. Kept in the store, so
 * every IdP instance sees the same count.
 */
import { normalizeEmail, type Storage } from '../storage/types.js';

export interface LoginThrottle {
  isLocked(email: string): Promise<boolean>;
  recordFailure(email: string): Promise<void>;
  reset(email: string): Promise<void>;
}

export function createLoginThrottle(storage: Storage, options: { maxFailures: number; windowSeconds: number }): LoginThrottle {
  const records = storage.modelStore('LoginThrottle');
  const key = (email: string) => normalizeEmail(email).slice(0, 320);
  return {
    async isLocked(email) {
      const record = await records.find(key(email));
      return typeof record?.failures === 'number' && record.failures >= options.maxFailures;
    },
    async recordFailure(email) {
      const record = await records.find(key(email));
      const failures = (typeof record?.failures === 'number' ? record.failures : 0) + 1;
      // The window starts at the first failure and is not extended by later ones.
      const startedAt = typeof record?.startedAt === 'number' ? record.startedAt : Date.now();
      const remainingSeconds = Math.max(1, Math.ceil((startedAt + options.windowSeconds * 1000 - Date.now()) / 1000));
      await records.upsert(key(email), { failures, startedAt }, remainingSeconds);
    },
    async reset(email) {
      await records.destroy(key(email));
    },
  };
}
