/**
 * Failed passkey answers are throttled like wrong codes (attempt-gate.ts), though a passkey can't
 * be guessed: each failed answer is a signature check, a store write and an audit event, and a
 * refused answer's page carries a fresh challenge, so without a limit a script could post answers
 * as fast as it likes and flush the audit trail. Counted per sign-in page and per source address;
 * a person whose authenticator misfires a few times never notices.
 */
import type { Storage } from '../storage/types.js';
import { createAttemptGate, enterAll, type Admission } from '../throttling/attempt-gate.js';

/** Failed answers a sign-in page may have before pauses start. */
export const PASSKEY_FAILURES_FREE_PER_PAGE = 5;
/** ... and one source address, in an hour. */
export const PASSKEY_FAILURES_FREE_PER_SOURCE = 30;

export interface PasskeyLimits {
  admit(page: string, source: string): Promise<Admission>;
}

export function createPasskeyLimits(storage: Storage): PasskeyLimits {
  const hour = 60 * 60;
  const page = createAttemptGate(storage, { name: 'passkey-page', freeAttempts: PASSKEY_FAILURES_FREE_PER_PAGE, windowSeconds: hour, baseDelaySeconds: 2, maxDelaySeconds: 15 * 60 });
  const source = createAttemptGate(storage, { name: 'passkey-source', freeAttempts: PASSKEY_FAILURES_FREE_PER_SOURCE, windowSeconds: hour, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 });
  return {
    admit: (pageId, sourceId) =>
      enterAll([
        [page, pageId],
        [source, sourceId],
      ]),
  };
}
