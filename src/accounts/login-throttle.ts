/**
 * Slows online password guessing: at most `maxAttempts` failed sign-ins per email within
 * `windowSeconds`. Every attempt is counted atomically *before* the password is checked, so a
 * burst of concurrent guesses can't slip past the limit; a successful sign-in clears the count.
 * Counted per email string whether or not an account exists, so the lock reveals nothing. Kept
 * in the store, so every IdP instance sees the same count.
 */
import { normalizeEmail, type Storage } from '../storage/types.js';

export interface LoginThrottle {
  /** Counts an attempt; false when the email is over its limit and must not be checked. */
  admit(email: string): Promise<boolean>;
  succeeded(email: string): Promise<void>;
}

export function createLoginThrottle(storage: Storage, options: { maxAttempts: number; windowSeconds: number }): LoginThrottle {
  const key = (email: string) => `login:${normalizeEmail(email).slice(0, 320)}`;
  return {
    async admit(email) {
      return (await storage.counters.increment(key(email), options.windowSeconds)) <= options.maxAttempts;
    },
    async succeeded(email) {
      await storage.counters.reset(key(email));
    },
  };
}
