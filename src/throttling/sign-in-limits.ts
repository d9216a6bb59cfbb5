/**
 * Which limits a password attempt passes through. Strangers (browsers that never signed in to the
 * account) are limited per source address, which stops password spraying from one place after a
 * few failures, and per account, which slows guessing spread over many addresses. A browser that
 * has signed in to the account before (device cookie) skips both and has a limit of its own, so
 * nobody can keep a person out of their account by failing on purpose. Every login page has a
 * limit too. All limits are growing delays (attempt-gate.ts), kept in the store, and count
 * failures only: correct passwords, however many at once, are never refused by them.
 */
import type { Storage } from '../storage/types.js';
import { createAttemptGate, type AttemptGate, type GateRule, type Pass } from './attempt-gate.js';

export interface SignInLimitSettings {
  /** Failed sign-ins from one source address, any accounts, before delays start. */
  perSource: number;
  /** Failed sign-ins on one account from browsers it never signed in on, before delays start. */
  perAccount: number;
  /** Failed sign-ins on one account from one browser it signed in on before, before delays start. */
  perDevice: number;
  /** Failed sign-ins on one login page before delays start. */
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

export type Outcome = 'failed' | 'succeeded' | 'not_checked';

export type Admission =
  | { admitted: true; /** How the password check ended: only failures count. */ settle(outcome: Outcome): Promise<void> }
  | { admitted: false; limit: 'page' | 'source' | 'account' | 'device'; retryAfterSeconds: number };

export interface SignInLimits {
  /** Lets the attempt through every limit that applies, or says which one refuses and for how long. */
  admit(attempt: SignInAttempt): Promise<Admission>;
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
      type Limit = Exclude<Admission, { admitted: true }>['limit'];
      const checks: [Limit, AttemptGate, string][] = [['page', page, attempt.page]];
      if (attempt.knownDevice) checks.push(['device', device, deviceKey(attempt)]);
      else checks.push(['source', source, attempt.source], ['account', account, attempt.account]);
      const passes: Pass[] = [];
      for (const [limit, gate, key] of checks) {
        const entry = await gate.enter(key);
        if (!entry.admitted) {
          await Promise.all(passes.map((pass) => pass.done('not_checked')));
          return { admitted: false, limit, retryAfterSeconds: entry.retryAfterSeconds };
        }
        passes.push(entry.pass);
      }
      return {
        admitted: true,
        async settle(outcome) {
          await Promise.all(passes.map((pass) => pass.done(outcome)));
          // The person, on a browser they use: their own typos are forgotten.
          if (outcome === 'succeeded' && attempt.knownDevice) await device.clear(deviceKey(attempt));
        },
      };
    },
  };
}
