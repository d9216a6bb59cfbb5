/**
 * Which limits a password attempt passes through. Strangers (browsers that never signed in to the
 * account) are limited per source address, which stops password spraying from one place after a
 * few failures, and per account, which slows guessing spread over many addresses. A browser that
 * has signed in to the account before (device cookie) skips both and has a limit of its own, so
 * nobody can keep a person out of their account by failing on purpose. Every login page has a
 * limit too. All limits are growing delays (attempt-gate.ts), kept in the store.
 */
import type { Storage } from '../storage/types.js';
import { createAttemptGate, type GateRule } from './attempt-gate.js';

export interface SignInLimitSettings {
  /** Attempts from one source address, any accounts, before delays start. */
  perSource: number;
  /** Attempts on one account from browsers it never signed in on, before delays start. */
  perAccount: number;
  /** Attempts on one account from one browser it signed in on before, before delays start. */
  perDevice: number;
  /** Attempts on one login page before delays start. */
  perPage: number;
}

export interface SignInAttempt {
  /** The email's pseudonym: throttling keys never hold an email. */
  account: string;
  /** sourceKey() of the client address. */
  source: string;
  /** The interaction uid: one login page. */
  page: string;
  /** The device id when this browser has signed in to this account before. */
  knownDevice?: string;
}

export type Admission = { admitted: true } | { admitted: false; limit: 'page' | 'source' | 'account' | 'device'; retryAfterSeconds: number };

export interface SignInLimits {
  /** Counts the attempt against every limit that applies; refused at the first that says wait. */
  admit(attempt: SignInAttempt): Promise<Admission>;
  /** The password was right: the person's own counts are cleared, the address's attempt is taken back. */
  succeeded(attempt: SignInAttempt): Promise<void>;
}

const HOUR = 60 * 60;
const rule = (name: string, freeAttempts: number): GateRule => ({ name, freeAttempts, windowSeconds: HOUR, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 });

export function createSignInLimits(storage: Storage, settings: SignInLimitSettings): SignInLimits {
  const page = createAttemptGate(storage, { ...rule('page', settings.perPage), baseDelaySeconds: 30 });
  const source = createAttemptGate(storage, rule('source', settings.perSource));
  const account = createAttemptGate(storage, rule('account', settings.perAccount));
  const device = createAttemptGate(storage, rule('device', settings.perDevice));
  const deviceKey = (attempt: SignInAttempt) => `${attempt.knownDevice}:${attempt.account}`;

  return {
    async admit(attempt) {
      const checks: [Exclude<Admission, { admitted: true }>['limit'], () => Promise<number>][] = [['page', () => page.enter(attempt.page)]];
      if (attempt.knownDevice) checks.push(['device', () => device.enter(deviceKey(attempt))]);
      else checks.push(['source', () => source.enter(attempt.source)], ['account', () => account.enter(attempt.account)]);
      for (const [limit, enter] of checks) {
        const retryAfterSeconds = await enter();
        if (retryAfterSeconds > 0) return { admitted: false, limit, retryAfterSeconds };
      }
      return { admitted: true };
    },
    async succeeded(attempt) {
      if (attempt.knownDevice) return device.clear(deviceKey(attempt));
      await Promise.all([source.forgive(attempt.source), account.clear(attempt.account)]);
    },
  };
}
