/**
 * A bound on concurrent password checks. Each argon2id verification holds a libuv thread and a
 * core for ~31 ms; unbounded, 32 concurrent failed logins pinned both cores and a real person's
 * sign-in took 0.9 s (4.1 s at 128). Here at most `concurrent` checks run (about the core count),
 * at most `queued` wait their turn, and anything beyond is refused at once with AppError
 * `overloaded` (503 with Retry-After), so a flood costs the attacker requests, not us CPU, and the
 * event loop stays free for everything else.
 */
import { AppError } from '../errors.js';
import type { PasswordVerifier } from './passwords.js';

export interface PasswordCheckLimits {
  concurrent: number;
  queued: number;
}

export interface Slots {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Checks running now and waiting now. */
  load(): { running: number; waiting: number };
}

export function createSlots(limits: PasswordCheckLimits): Slots {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return {
    async run(task) {
      if (running < limits.concurrent) running += 1;
      else if (waiting.length < limits.queued) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw new AppError('overloaded', 'Too many password checks at once', { retryAfterSeconds: 1 });
      try {
        return await task();
      } finally {
        release();
      }
    },
    load: () => ({ running, waiting: waiting.length }),
  };
}

/** The verifier with every check (real or dummy) taking a slot. */
export function limitPasswordChecks(verifier: PasswordVerifier, slots: Slots): PasswordVerifier {
  return {
    verify: (hash, password) => slots.run(() => verifier.verify(hash, password)),
    verifyAgainstDummy: (password) => slots.run(() => verifier.verifyAgainstDummy(password)),
  };
}
