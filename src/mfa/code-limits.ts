/**
 * Wrong second-factor codes are throttled like wrong passwords: the same growing delays in the
 * same store-backed counters (throttling/attempt-gate.ts), under rules of their own. Counted per
 * sign-in page, and per account for every browser but the person's own: one where a sign-in of
 * the account was completed, second factor included, since its access and other sessions last
 * ended (a device cookie: throttling/device-cookie.ts) has a count of its own, as strict. Whoever
 * reaches this step knows the password; with one count for everyone, someone who had only the
 * password could post a wrong code each time a pause ended and keep the person, right code and
 * recovery code in hand, out of their own account (found by an attacking review). Six digits are
 * a million codes, three of them right at any moment (+-1 step).
 *
 * An account's failures are remembered for 24 days, not an hour (an attacking review found that an
 * hourly window let a password holder make ~430 guesses a day: ~37% odds within a year), and its
 * pauses grow to an hour: at most ~24 guesses a day after the first few, about 2.6% a year for an
 * attacker who never stops, while a person who mistypes waits seconds. A correct code ends the
 * pauses (attempt-gate.ts counts failures, not attempts).
 */
import type { Storage } from '../storage/types.js';
import { createAttemptGate, enterAll, type Admission, type GateRule } from '../throttling/attempt-gate.js';

/** Wrong codes an account may have before pauses start. */
export const CODE_FAILURES_FREE_PER_ACCOUNT = 5;
/** ... and one sign-in page. */
export const CODE_FAILURES_FREE_PER_PAGE = 5;

const HOUR = 60 * 60;
/** Below 2^31 ms: the in-memory counters time their windows with setTimeout. */
const ACCOUNT_WINDOW_SECONDS = 24 * 24 * HOUR;
const rule = (name: string, freeAttempts: number): GateRule => ({ name, freeAttempts, windowSeconds: HOUR, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 });

export type CodeAdmission = Admission;

export interface CodeLimits {
  /**
   * `page`: the interaction uid, or the account page's session. `knownDevice`: the id of a browser
   * known for the account (device-cookie.ts knownFor), counted apart from everyone else.
   */
  admit(accountId: string, page: string, knownDevice?: string): Promise<CodeAdmission>;
}

export function createCodeLimits(storage: Storage): CodeLimits {
  const strict = (name: string) => createAttemptGate(storage, { ...rule(name, CODE_FAILURES_FREE_PER_ACCOUNT), windowSeconds: ACCOUNT_WINDOW_SECONDS, maxDelaySeconds: HOUR });
  const account = strict('code-account');
  const device = strict('code-device');
  const page = createAttemptGate(storage, { ...rule('code-page', CODE_FAILURES_FREE_PER_PAGE), baseDelaySeconds: 30 });
  return {
    async admit(accountId, pageId, knownDevice) {
      const [gate, key] = knownDevice ? [device, `${knownDevice}:${accountId}`] : [account, accountId];
      const admission = await enterAll([
        [page, pageId],
        [gate, key],
      ]);
      if (!admission.admitted) return admission;
      return {
        admitted: true,
        async settle(outcome) {
          await admission.settle(outcome);
          // The person has the app: their earlier typos no longer count against them.
          if (outcome === 'succeeded') await gate.clear(key);
        },
      };
    },
  };
}
