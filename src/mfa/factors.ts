/**
 * A person's second factors: their authenticator app (TOTP) and recovery codes, one record per
 * account in the store's `AccountFactors` model. Held there: the TOTP secret sealed with
 * AES-256-GCM (factor-secrets.ts), the last step whose code was accepted, and HMACs of the unused
 * recovery codes. Never a secret in plain text, never a code.
 *
 * A code is accepted once: its step must be newer than the last accepted step (RFC 6238 section
 * 5.2: "the verifier MUST NOT accept the second attempt of the OTP after the successful
 * validation has been issued for the first OTP"), and the step is claimed atomically in the
 * store's counters before it counts, so two requests racing with the same code, on one instance
 * or two, can't both win. (Two different codes of neighbouring steps racing each other may both
 * get in: neither is a replay, and the stored last step only ever grows.) Recovery codes are
 * claimed the same way before they are struck off.
 */
import type { OidcModelStore, Storage } from '../storage/types.js';
import type { FactorSecrets, Sealed } from './factor-secrets.js';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { matchingStep, newTotpSecret, TOTP_PERIOD_SECONDS } from './totp.js';

/** How long a started enrolment waits for its first code. */
export const TOTP_ENROLMENT_SECONDS = 10 * 60;

interface FactorsPayload {
  [key: string]: unknown;
  accountId: string;
  totp?: { secret: Sealed; lastStep: number; enabledAt: string };
  pendingTotp?: { secret: Sealed; startedAt: number };
  recoveryCodes?: string[];
}

export interface FactorStatus {
  totp: boolean;
  /** Unused recovery codes. */
  recoveryCodes: number;
}

/** The model holding each account's factors. */
export const FACTORS_MODEL = 'AccountFactors';

/** Deletes an account's factors for good (the account itself is being deleted). */
export const removeFactors = (storage: Storage, accountId: string) => storage.modelStore(FACTORS_MODEL).destroy(accountId);

export function createFactors(deps: { storage: Storage; secrets: FactorSecrets }) {
  const { secrets } = deps;
  const store: OidcModelStore = deps.storage.modelStore(FACTORS_MODEL);
  // One point per key: the first consume wins, every later one in the window is refused.
  const stepClaims = deps.storage.rateLimiter({ keyPrefix: 'totp-step', points: 1, durationSeconds: TOTP_PERIOD_SECONDS * 4 });
  const recoveryClaims = deps.storage.rateLimiter({ keyPrefix: 'recovery-used', points: 1, durationSeconds: 5 * 60 });

  const load = async (accountId: string): Promise<FactorsPayload> =>
    ((await store.find(accountId)) as FactorsPayload | undefined) ?? { accountId };
  const save = (payload: FactorsPayload) => store.upsert(payload.accountId, payload);
  const claim = async (limiter: typeof stepClaims, key: string) => {
    try {
      await limiter.consume(key);
      return true;
    } catch (error) {
      if (error instanceof Error) throw error;
      return false; // a RateLimiterRes: someone claimed it first
    }
  };

  /** Claims `step` for the account; false when it was claimed already. */
  const claimStep = (accountId: string, step: number) => claim(stepClaims, `${accountId}:${step}`);

  return {
    async status(accountId: string): Promise<FactorStatus> {
      const factors = await load(accountId);
      return { totp: Boolean(factors.totp), recoveryCodes: factors.recoveryCodes?.length ?? 0 };
    },

    /** Starts (or restarts) enrolment: a new secret, kept sealed until a code confirms it. */
    async startTotp(accountId: string): Promise<string> {
      const secret = newTotpSecret();
      await save({ ...(await load(accountId)), pendingTotp: { secret: secrets.seal(secret, accountId), startedAt: Date.now() } });
      return secret;
    },

    /** The secret of an enrolment still waiting for its code, to show again after a mistake. */
    async pendingTotp(accountId: string): Promise<string | undefined> {
      const pending = (await load(accountId)).pendingTotp;
      if (!pending || pending.startedAt + TOTP_ENROLMENT_SECONDS * 1000 < Date.now()) return undefined;
      return secrets.open(pending.secret, accountId);
    },

    /** Switches TOTP on when `code` is a current code of the pending secret. */
    async confirmTotp(accountId: string, code: string): Promise<boolean> {
      const factors = await load(accountId);
      const pending = factors.pendingTotp;
      if (!pending || pending.startedAt + TOTP_ENROLMENT_SECONDS * 1000 < Date.now()) return false;
      const secret = secrets.open(pending.secret, accountId);
      const step = secret === undefined ? undefined : matchingStep(secret, code);
      if (step === undefined || !(await claimStep(accountId, step))) return false;
      const { pendingTotp: _done, ...rest } = factors;
      await save({ ...rest, totp: { secret: pending.secret, lastStep: step, enabledAt: new Date().toISOString() } });
      return true;
    },

    /** A sign-in code: right, newer than the last accepted one, and not claimed by a racing request. */
    async verifyTotp(accountId: string, code: string): Promise<boolean> {
      const factors = await load(accountId);
      if (!factors.totp) return false;
      const secret = secrets.open(factors.totp.secret, accountId);
      const step = secret === undefined ? undefined : matchingStep(secret, code);
      if (step === undefined || step <= factors.totp.lastStep) return false;
      if (!(await claimStep(accountId, step))) return false;
      const latest = await load(accountId);
      if (!latest.totp) return false;
      await save({ ...latest, totp: { ...latest.totp, lastStep: Math.max(step, latest.totp.lastStep) } });
      return true;
    },

    /**
     * Turns the app off, and the recovery codes with it: they stand in for the app only, and codes
     * a person threw away as useless must not come back to life if the app is set up again.
     */
    async disableTotp(accountId: string): Promise<void> {
      await store.destroy(accountId);
    },

    /** A new set of codes, replacing any earlier set; the codes themselves are returned once and never stored. */
    async newRecoveryCodes(accountId: string): Promise<string[]> {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      await save({ ...(await load(accountId)), recoveryCodes: codes.map((code) => secrets.hashRecoveryCode(normalizeRecoveryCode(code))) });
      return codes;
    },

    /** Strikes the code off when it is one of the account's unused codes. */
    async useRecoveryCode(accountId: string, input: string): Promise<boolean> {
      const code = normalizeRecoveryCode(input);
      if (!code) return false;
      const hash = secrets.hashRecoveryCode(code);
      if (!(await load(accountId)).recoveryCodes?.includes(hash)) return false;
      if (!(await claim(recoveryClaims, `${accountId}:${hash}`))) return false;
      const latest = await load(accountId);
      if (!latest.recoveryCodes?.includes(hash)) return false;
      await save({ ...latest, recoveryCodes: latest.recoveryCodes.filter((h) => h !== hash) });
      return true;
    },

    /** An admin's reset: every factor goes. Says what there was. */
    async reset(accountId: string): Promise<FactorStatus> {
      const before = await this.status(accountId);
      await store.destroy(accountId);
      return before;
    },
  };
}

export type Factors = ReturnType<typeof createFactors>;
