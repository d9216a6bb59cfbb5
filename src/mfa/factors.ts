/**
 * A person's second factors: their authenticator app (TOTP) and recovery codes, one record per
 * account in the store's `AccountFactors` model (passkeys have records of their own: passkeys.ts). Held there: the TOTP secret sealed with
 * AES-256-GCM (factor-secrets.ts), the step of the code that switched it on, and HMACs of the
 * recovery codes of the current set. Never a secret in plain text, never a code.
 *
 * A code is accepted once (RFC 6238 section 5.2: "the verifier MUST NOT accept the second
 * attempt of the OTP after the successful validation has been issued for the first OTP"): its
 * step is claimed atomically in the store's counters, for longer than a code stays valid, so two
 * requests racing with the same code, on one instance or two, can't both win. Each recovery code
 * of the current set is a record of its own (`RecoveryCode`, by account and HMAC), used with the
 * store's atomic consume: exactly once, for good, however requests race.
 *
 * Signing in never writes this record, only enrolment, turning off, new codes and an admin's
 * reset do: a sign-in that read it just before the app was turned off (or reset after a lost
 * phone) can't write the old secret and codes back.
 */
import { createHash } from 'node:crypto';
import type { OidcModelStore, Storage } from '../storage/types.js';
import type { FactorSecrets, Sealed } from './factor-secrets.js';
import { countPasskeys, removePasskeys } from './passkeys.js';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { matchingStep, newTotpSecret, TOTP_PERIOD_SECONDS } from './totp.js';

/** Each recovery code of the current set, used at most once (consumed). */
export const RECOVERY_CODE_MODEL = 'RecoveryCode';
/** How long a set of recovery codes lasts before the person must make a new one. */
const RECOVERY_CODE_SECONDS = 5 * 365 * 24 * 60 * 60;

/** How long a started enrolment waits for its first code. */
export const TOTP_ENROLMENT_SECONDS = 10 * 60;

interface FactorsPayload {
  [key: string]: unknown;
  accountId: string;
  totp?: { secret: Sealed; lastStep: number; enabledAt: string };
  recoveryCodes?: string[];
}

/**
 * An enrolment waiting for its first code, a record of its own per (account, IdP session that
 * started it): no other session of the account sees or confirms it, and starting one (which needs
 * only a session, not the password) never writes the account's factors record, so it can't write
 * an older copy of it back over a change made meanwhile (an app just switched on or off, new
 * recovery codes). Earlier versions kept it in that record as `pendingTotp`; that copy is ignored.
 */
export const PENDING_TOTP_MODEL = 'PendingTotp';
interface PendingTotpPayload {
  [key: string]: unknown;
  accountId: string;
  secret: Sealed;
  startedAt: number;
}

export interface FactorStatus {
  totp: boolean;
  passkeys: number;
  /** Unused recovery codes of the current set. */
  recoveryCodes: number;
}

export interface FactorSummary {
  totp: boolean;
  passkeys: number;
  hasRecoveryCodes: boolean;
}

/** The model holding each account's factors. */
export const FACTORS_MODEL = 'AccountFactors';

/** Deletes an account's factors, its passkeys included, for good (the account itself is being deleted). */
export async function removeFactors(storage: Storage, accountId: string): Promise<void> {
  await removePasskeys(storage, accountId);
  const pending = storage.modelStore(PENDING_TOTP_MODEL);
  await Promise.all((await pending.findByAccountId(accountId)).map(({ id }) => pending.destroy(id)));
  const factors = storage.modelStore(FACTORS_MODEL);
  const hashes = ((await factors.find(accountId)) as FactorsPayload | undefined)?.recoveryCodes ?? [];
  await Promise.all(hashes.map((hash) => storage.modelStore(RECOVERY_CODE_MODEL).destroy(`${accountId}:${hash}`)));
  await factors.destroy(accountId);
}

export function createFactors(deps: { storage: Storage; secrets: FactorSecrets }) {
  const { secrets } = deps;
  const store: OidcModelStore = deps.storage.modelStore(FACTORS_MODEL);
  // One point per key: the first consume wins, every later one in the window is refused.
  const stepClaims = deps.storage.rateLimiter({ keyPrefix: 'totp-step', points: 1, durationSeconds: TOTP_PERIOD_SECONDS * 4 });
  const recoveryCodes: OidcModelStore = deps.storage.modelStore(RECOVERY_CODE_MODEL);
  const recoveryKey = (accountId: string, hash: string) => `${accountId}:${hash}`;
  const unusedCodes = async (accountId: string, hashes: readonly string[]) => {
    const records = await Promise.all(hashes.map((hash) => recoveryCodes.find(recoveryKey(accountId, hash))));
    return hashes.filter((_hash, index) => records[index] !== undefined && records[index]!.consumed === undefined);
  };
  /** `hashes`: the set as the caller just read it (read here otherwise). */
  const dropCodes = async (accountId: string, hashes?: readonly string[]) => {
    hashes ??= (await load(accountId)).recoveryCodes ?? [];
    await Promise.all(hashes.map((hash) => recoveryCodes.destroy(recoveryKey(accountId, hash))));
  };

  const load = async (accountId: string): Promise<FactorsPayload> => {
    const { pendingTotp: _earlier, ...factors } = ((await store.find(accountId)) as FactorsPayload | undefined) ?? { accountId };
    return factors as FactorsPayload;
  };
  const pendingStore: OidcModelStore = deps.storage.modelStore(PENDING_TOTP_MODEL);
  const pendingKey = (accountId: string, session: string) => `${accountId}:${session}`;
  const pendingOf = async (accountId: string, session: string) => {
    const pending = (await pendingStore.find(pendingKey(accountId, session))) as PendingTotpPayload | undefined;
    return pending && pending.accountId === accountId && pending.startedAt + TOTP_ENROLMENT_SECONDS * 1000 >= Date.now() ? pending : undefined;
  };
  const dropPending = async (accountId: string) => {
    await Promise.all((await pendingStore.findByAccountId(accountId)).map(({ id }) => pendingStore.destroy(id)));
  };
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

  /**
   * Claims `step` of this secret for the account; false when it was claimed already. Per secret: a
   * new app's code is not the old app's, even in the same 30 seconds (a person moving to a new
   * phone right after signing in with the old one).
   */
  const claimStep = (accountId: string, secret: string, step: number) =>
    claim(stepClaims, `${accountId}:${createHash('sha256').update(secret).digest('base64url').slice(0, 16)}:${step}`);

  return {
    /** Whether sign-in asks for a code: one read, on every password sign-in (no recovery-code lookups). */
    async hasTotp(accountId: string): Promise<boolean> {
      return Boolean((await load(accountId)).totp);
    },

    /** What a user listing shows: stops at the first unused recovery code instead of counting all ten. */
    async summary(accountId: string): Promise<FactorSummary> {
      const factors = await load(accountId);
      let hasRecoveryCodes = false;
      for (const hash of factors.recoveryCodes ?? []) {
        if ((await unusedCodes(accountId, [hash])).length > 0) {
          hasRecoveryCodes = true;
          break;
        }
      }
      return { totp: Boolean(factors.totp), passkeys: await countPasskeys(deps.storage, accountId), hasRecoveryCodes };
    },

    async status(accountId: string): Promise<FactorStatus> {
      const factors = await load(accountId);
      return { totp: Boolean(factors.totp), passkeys: await countPasskeys(deps.storage, accountId), recoveryCodes: (await unusedCodes(accountId, factors.recoveryCodes ?? [])).length };
    },

    /** Starts (or restarts) enrolment: a new secret, kept sealed until a code confirms it. */
    async startTotp(accountId: string, session: string): Promise<string> {
      const secret = newTotpSecret();
      const pending: PendingTotpPayload = { accountId, secret: secrets.seal(secret, accountId), startedAt: Date.now() };
      await pendingStore.upsert(pendingKey(accountId, session), pending, TOTP_ENROLMENT_SECONDS);
      return secret;
    },

    /** The secret of an enrolment still waiting for its code, to show again after a mistake. */
    async pendingTotp(accountId: string, session: string): Promise<string | undefined> {
      const pending = await pendingOf(accountId, session);
      return pending ? secrets.open(pending.secret, accountId) : undefined;
    },

    /** Switches TOTP on when `code` is a current code of the pending secret. */
    async confirmTotp(accountId: string, session: string, code: string): Promise<boolean> {
      const pending = await pendingOf(accountId, session);
      if (!pending) return false;
      const secret = secrets.open(pending.secret, accountId);
      const step = secret === undefined ? undefined : matchingStep(secret, code);
      if (step === undefined || !(await claimStep(accountId, secret!, step))) return false;
      // Read after the code checked out, just before the write: the record as it is now.
      const factors = await load(accountId);
      // The first second factor: recovery codes made before it (an earlier version made them
      // without one, or a race left them) would pass as this app, and were never the person's.
      const first = !factors.totp && (await countPasskeys(deps.storage, accountId)) === 0;
      if (first) await dropCodes(accountId, factors.recoveryCodes ?? []);
      await save({ ...factors, ...(first ? { recoveryCodes: [] } : {}), totp: { secret: pending.secret, lastStep: step, enabledAt: new Date().toISOString() } });
      await pendingStore.destroy(pendingKey(accountId, session));
      return true;
    },

    /** A sign-in code: right, newer than the last accepted one, and not claimed by a racing request. */
    async verifyTotp(accountId: string, code: string): Promise<boolean> {
      const factors = await load(accountId);
      if (!factors.totp) return false;
      const secret = secrets.open(factors.totp.secret, accountId);
      const step = secret === undefined ? undefined : matchingStep(secret, code);
      // The enrolment's own code (its step, claimed when it was confirmed) never counts again either.
      if (step === undefined || step <= factors.totp.lastStep) return false;
      return claimStep(accountId, secret!, step);
    },

    /**
     * Turns the app off, and the recovery codes with it unless another second factor (a passkey)
     * remains for them to stand in for: codes a person threw away as useless must not come back to
     * life if a factor is set up again.
     */
    async disableTotp(accountId: string, options: { keepRecoveryCodes?: boolean } = {}): Promise<void> {
      await dropPending(accountId);
      if (options.keepRecoveryCodes) {
        const { totp: _off, ...rest } = await load(accountId);
        await save(rest);
        return;
      }
      await dropCodes(accountId);
      await store.destroy(accountId);
    },

    /** Ends the recovery codes (the last passkey went and no app is on): nothing left to recover. */
    async dropRecoveryCodes(accountId: string): Promise<void> {
      const factors = await load(accountId);
      await dropCodes(accountId, factors.recoveryCodes ?? []);
      if (factors.totp) await save({ ...factors, recoveryCodes: [] });
      else await store.destroy(accountId);
    },

    /** A new set of codes, replacing any earlier set; the codes themselves are returned once and never stored. */
    async newRecoveryCodes(accountId: string): Promise<string[]> {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      const hashes = codes.map((code) => secrets.hashRecoveryCode(normalizeRecoveryCode(code)));
      await dropCodes(accountId);
      await Promise.all(hashes.map((hash) => recoveryCodes.upsert(recoveryKey(accountId, hash), { accountId }, RECOVERY_CODE_SECONDS)));
      await save({ ...(await load(accountId)), recoveryCodes: hashes });
      return codes;
    },

    /** Strikes the code off when it is one of the account's unused codes. */
    async useRecoveryCode(accountId: string, input: string): Promise<boolean> {
      const code = normalizeRecoveryCode(input);
      if (!code) return false;
      const hash = secrets.hashRecoveryCode(code);
      if (!(await load(accountId)).recoveryCodes?.includes(hash)) return false;
      try {
        await recoveryCodes.consume(recoveryKey(accountId, hash));
        return true;
      } catch {
        return false; // used already, or its set was replaced or turned off meanwhile
      }
    },

    /** An admin's reset: every factor goes, passkeys included. Says what there was. */
    async reset(accountId: string): Promise<FactorStatus> {
      const before = await this.status(accountId);
      await dropPending(accountId);
      await dropCodes(accountId);
      await store.destroy(accountId);
      await removePasskeys(deps.storage, accountId);
      return before;
    },
  };
}

export type Factors = ReturnType<typeof createFactors>;
