/**
 * Passkeys (WebAuthn Level 3): registering one from the account page, and checking one at sign-in,
 * either on its own (no password: a discoverable credential, user verification required) or as
 * the second factor after a password. Every CBOR, COSE and attestation byte is parsed by
 * @simplewebauthn/server; this module holds only our rules and records.
 *
 * Records (the store's models, so both stores hold them):
 * - `Passkey`, by credential id: the account, public key, transports, device type (single- or
 *   multi-device), the authenticator's AAGUID, the person's name for it, when it was added.
 *   Written when it is added, destroyed when removed, never written by a sign-in.
 * - `PasskeyUse`, by credential id: the signature counter, backup state and last use, written by
 *   each sign-in. Kept apart so a sign-in racing the passkey's removal can't write the removed
 *   public key back (it can only leave an orphan use record, which finds no passkey).
 * - `PasskeyChallenge` (the login page's, `sign-in:<interaction uid>`) and `PasskeyAccountChallenge`
 *   (`second-step:<uid>`, `register:<IdP session jti>`): the challenge, consumed atomically before
 *   the answer is checked, so each is used at most once, and good for five minutes (less when
 *   the interaction ends sooner).
 *
 * The relying party is the issuer: its host is the RP ID, its origin the only origin accepted.
 */
import type { AuthenticatorTransport, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { authenticationAnswer, registrationAnswer } from './passkey-answers.js';
import type { OidcModelStore, Storage } from '../storage/types.js';

export const PASSKEY_MODEL = 'Passkey';
export const PASSKEY_USE_MODEL = 'PasskeyUse';
/** The login page's challenges: written for anyone who opens it, so capped in memory like interactions. */
export const PASSKEY_CHALLENGE_MODEL = 'PasskeyChallenge';
/** Challenges bound to an account (adding a passkey, the second step after a password). */
export const PASSKEY_ACCOUNT_CHALLENGE_MODEL = 'PasskeyAccountChallenge';

/**
 * @simplewebauthn/server, with the certificate and ASN.1 libraries it loads for attestation
 * formats (~26 MiB and ~180 ms here), is loaded at the first passkey ceremony rather than at
 * start, as mongoose and undici are: an IdP answering only tokens and discovery never pays for it.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => (library ??= import('@simplewebauthn/server'));

/** How many passkeys one account may hold: enough for every device a person owns, and bounded. */
export const MAX_PASSKEYS_PER_ACCOUNT = 20;
/** How long a ceremony's challenge is good for: the timeout the browser is told, and the record's lifetime. */
export const CEREMONY_SECONDS = 5 * 60;
/** The longest name a person can give a passkey. */
export const PASSKEY_NAME_MAX = 64;

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
  /** Synced between devices (a multi-device credential), not bound to one authenticator. */
  synced: boolean;
}

/** What a verified sign-in with a passkey says: whose it is, and the RFC 8176 method of the key. */
export interface PasskeyCheck {
  accountId: string;
  credentialId: string;
  /** `hwk`: a key bound to one authenticator; `swk`: a synced (software-held) key. */
  method: 'hwk' | 'swk';
  /** The challenge was the second step's, after the account's password. */
  secondStep: boolean;
}

export type PasskeyFailure = 'challenge_used' | 'unknown_passkey' | 'wrong_account' | 'not_verified' | 'malformed';
export type PasskeyResult = { ok: true; check: PasskeyCheck } | { ok: false; reason: PasskeyFailure };

interface PasskeyPayload {
  [key: string]: unknown;
  accountId: string;
  publicKey: string;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  name: string;
  createdAt: string;
  aaguid: string;
}

interface ChallengePayload {
  [key: string]: unknown;
  challenge: string;
  /** The account the ceremony is for: the one registering, or the password's account at the second step. */
  accountId?: string;
  name?: string;
}

/** How many passkeys an account has (user listings, an admin's reset). */
export async function countPasskeys(storage: Storage, accountId: string): Promise<number> {
  return (await storage.modelStore(PASSKEY_MODEL).findByAccountId(accountId)).length;
}

/** Removes every passkey of the account (an admin's reset, or the account's deletion): how many there were. */
export async function removePasskeys(storage: Storage, accountId: string): Promise<number> {
  const mine = await storage.modelStore(PASSKEY_MODEL).findByAccountId(accountId);
  await Promise.all(mine.flatMap(({ id }) => [storage.modelStore(PASSKEY_MODEL).destroy(id), storage.modelStore(PASSKEY_USE_MODEL).destroy(id)]));
  return mine.length;
}

/** A person's name for a passkey: printable, trimmed, bounded; a default when they gave none. */
export function passkeyName(input: string): string {
  const name = input.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim().slice(0, PASSKEY_NAME_MAX);
  return name || 'Passkey';
}

export function createPasskeys(deps: { storage: Storage; issuer: string; rpName?: string }) {
  const issuer = new URL(deps.issuer);
  const rpID = issuer.hostname;
  const origin = issuer.origin;
  const rpName = deps.rpName ?? issuer.host;
  const passkeys: OidcModelStore = deps.storage.modelStore(PASSKEY_MODEL);
  const uses: OidcModelStore = deps.storage.modelStore(PASSKEY_USE_MODEL);
  const loginChallenges: OidcModelStore = deps.storage.modelStore(PASSKEY_CHALLENGE_MODEL);
  const accountChallenges: OidcModelStore = deps.storage.modelStore(PASSKEY_ACCOUNT_CHALLENGE_MODEL);
  // A signature counter value is accepted once, atomically across requests and instances: two
  // answers of a cloned authenticator racing with the same counter can't both get in.
  const counterClaims = deps.storage.rateLimiter({ keyPrefix: 'passkey-counter', points: 1, durationSeconds: 24 * 60 * 60 });
  // One passkey added at a time per account (several sessions finishing at once can't pass the cap
  // together); the lock lapses by itself should an instance stop while holding it.
  const adding = deps.storage.rateLimiter({ keyPrefix: 'passkey-adding', points: 1, durationSeconds: 30 });

  const ofAccount = async (accountId: string) => (await passkeys.findByAccountId(accountId)).map(({ id, payload }) => ({ id, payload: payload as PasskeyPayload }));
  const capReached = () => new AppError('conflict', `You have ${MAX_PASSKEYS_PER_ACCOUNT} passkeys, the most an account can hold. Remove one first.`);

  /** Takes a ceremony's challenge for good; undefined when it was used, expired or never made. */
  async function take(store: OidcModelStore, key: string, found: ChallengePayload | undefined): Promise<ChallengePayload | undefined> {
    if (!found || found.consumed !== undefined || typeof found.challenge !== 'string') return undefined;
    try {
      await store.consume(key);
    } catch {
      return undefined; // a racing request took it first
    }
    return found;
  }
  const findChallenge = async (store: OidcModelStore, key: string) => (await store.find(key)) as ChallengePayload | undefined;

  /** Takes the one point of `key`: false when someone holds it already. */
  async function claim(limiter: typeof counterClaims, key: string): Promise<boolean> {
    try {
      await limiter.consume(key);
      return true;
    } catch (error) {
      if (error instanceof Error) throw error;
      return false;
    }
  }

  return {
    /** Whether the account has any passkey: one indexed read, on every password sign-in. */
    async has(accountId: string): Promise<boolean> {
      return (await passkeys.findByAccountId(accountId)).length > 0;
    },

    async list(accountId: string): Promise<PasskeyView[]> {
      const mine = await ofAccount(accountId);
      const used = await Promise.all(mine.map(({ id }) => uses.find(id)));
      return mine
        .map(({ id, payload }, index) => {
          const lastUsed = used[index]?.accountId === accountId ? used[index]?.lastUsedAt : undefined;
          return {
            id,
            name: payload.name,
            createdAt: new Date(payload.createdAt),
            lastUsedAt: typeof lastUsed === 'string' ? new Date(lastUsed) : undefined,
            synced: payload.deviceType === 'multiDevice',
          };
        })
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },

    /**
     * Starts adding a passkey for the signed-in person, bound to their IdP session. Existing
     * passkeys are excluded so one authenticator is not registered twice. Refused (AppError
     * `conflict`) at the cap.
     */
    async startRegistration(input: { accountId: string; email: string; displayName: string; session: string; name: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const mine = await ofAccount(input.accountId);
      if (mine.length >= MAX_PASSKEYS_PER_ACCOUNT) throw capReached();
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName,
        rpID,
        userName: input.email,
        userDisplayName: input.displayName,
        // Our account id as the WebAuthn user handle: opaque, no personal data (WebAuthn 14.6.1), and
        // the same for every passkey of the account, so an authenticator keeps one per account.
        userID: new TextEncoder().encode(input.accountId),
        timeout: CEREMONY_SECONDS * 1000,
        attestationType: 'none',
        excludeCredentials: mine.map(({ id, payload }) => ({ id, transports: payload.transports as AuthenticatorTransport[] })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      const challenge: ChallengePayload = { challenge: options.challenge, accountId: input.accountId, name: passkeyName(input.name) };
      await accountChallenges.upsert(`register:${input.session}`, challenge, CEREMONY_SECONDS);
      return options;
    },

    /**
     * Finishes adding a passkey: its id and the name it was given, or why not. One at a time per
     * account, so finishes of several sessions racing can't pass the cap together (AppError
     * `conflict` for the others, and at the cap).
     */
    async finishRegistration(input: { accountId: string; session: string; response: string }): Promise<{ ok: true; id: string; name: string } | { ok: false; reason: PasskeyFailure | 'already_registered' }> {
      const key = `register:${input.session}`;
      const pending = await take(accountChallenges, key, await findChallenge(accountChallenges, key));
      if (!pending || pending.accountId !== input.accountId) return { ok: false, reason: 'challenge_used' };
      const answer = registrationAnswer(input.response);
      if (!answer) return { ok: false, reason: 'malformed' };
      const { verifyRegistrationResponse } = await webauthn();
      let verified;
      try {
        verified = await verifyRegistrationResponse({ response: answer.response, expectedChallenge: pending.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
      } catch {
        return { ok: false, reason: 'not_verified' };
      }
      if (!verified.verified) return { ok: false, reason: 'not_verified' };
      const { credential, credentialDeviceType, aaguid } = verified.registrationInfo;
      if (!(await claim(adding, input.accountId))) throw new AppError('conflict', 'Another passkey is being added to your account right now. Please try again in a moment.');
      try {
        if (await passkeys.find(credential.id)) return { ok: false, reason: 'already_registered' };
        if ((await ofAccount(input.accountId)).length >= MAX_PASSKEYS_PER_ACCOUNT) throw capReached();
        await passkeys.upsert(credential.id, {
          accountId: input.accountId,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          transports: credential.transports ?? [],
          deviceType: credentialDeviceType,
          name: pending.name ?? 'Passkey',
          createdAt: new Date().toISOString(),
          aaguid,
        } satisfies PasskeyPayload);
        await uses.upsert(credential.id, { accountId: input.accountId, counter: credential.counter, backedUp: verified.registrationInfo.credentialBackedUp });
      } finally {
        await adding.delete(input.accountId);
      }
      return { ok: true, id: credential.id, name: pending.name ?? 'Passkey' };
    },

    /**
     * A challenge for the sign-in page `uid`, valid for one ceremony (five minutes, less if the
     * interaction ends sooner). Without `accountId`, for any discoverable passkey (the login page,
     * and the browser's passkey autofill), user verification required; kept in the model strangers
     * can fill (capped in memory like interactions). With it, for that account's passkeys, as the
     * second step after its password; kept apart, where no stranger's page can push it out.
     */
    async startSignIn(input: { uid: string; expiresInSeconds: number; accountId?: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allow = input.accountId ? await ofAccount(input.accountId) : [];
      const seconds = Math.max(1, Math.min(CEREMONY_SECONDS, input.expiresInSeconds));
      const { generateAuthenticationOptions } = await webauthn();
      const options = await generateAuthenticationOptions({
        rpID,
        // 32 random bytes, as the library would draw them, from Node's generator: the library's own
        // way goes through WebCrypto's asynchronous setup on every call, and every login page makes
        // one (~36 -> ~28 µs of the page's event loop inside a running IdP, issue 10).
        challenge: randomBytes(32),
        timeout: seconds * 1000,
        userVerification: input.accountId ? 'preferred' : 'required',
        allowCredentials: allow.map(({ id, payload }) => ({ id, transports: payload.transports as AuthenticatorTransport[] })),
      });
      if (input.accountId) await accountChallenges.upsert(`second-step:${input.uid}`, { challenge: options.challenge, accountId: input.accountId }, seconds);
      else await loginChallenges.upsert(`sign-in:${input.uid}`, { challenge: options.challenge }, seconds);
      return options;
    },

    /**
     * Checks a sign-in answer against the challenge of page `uid` it answers (the login page's or
     * the second step's), used up whatever the outcome. For the second step's the passkey must be
     * that account's; for the login page's it must have verified the person (WebAuthn 6.2.3:
     * possession plus user verification is a multi-factor sign-in) and name its account in the
     * user handle (7.2 step 6). Which account a key belongs to is looked at only after its
     * signature checks out, so an unsigned guess learns nothing. The counter and backup state
     * are stored as the library reports them; a counter that did not grow (a cloned authenticator)
     * is refused, by the library, or here when two answers race with the same one.
     */
    async finishSignIn(input: { uid: string; response: string }): Promise<PasskeyResult> {
      const answer = authenticationAnswer(input.response);
      if (!answer) return { ok: false, reason: 'malformed' };
      const [login, second] = await Promise.all([findChallenge(loginChallenges, `sign-in:${input.uid}`), findChallenge(accountChallenges, `second-step:${input.uid}`)]);
      const answered = second?.challenge === answer.clientData.challenge ? 'second' : login?.challenge === answer.clientData.challenge ? 'login' : undefined;
      const pending = answered === 'second' ? await take(accountChallenges, `second-step:${input.uid}`, second) : answered === 'login' ? await take(loginChallenges, `sign-in:${input.uid}`, login) : undefined;
      if (!pending) return { ok: false, reason: 'challenge_used' };
      const secondStepOf = answered === 'second' && typeof pending.accountId === 'string' ? pending.accountId : undefined;
      const { response } = answer;
      const stored = (await passkeys.find(response.id)) as PasskeyPayload | undefined;
      if (!stored || typeof stored.accountId !== 'string') return { ok: false, reason: 'unknown_passkey' };
      const use = await uses.find(response.id);
      const counter = use?.accountId === stored.accountId && typeof use.counter === 'number' ? use.counter : 0;
      const { verifyAuthenticationResponse } = await webauthn();
      let verified;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          credential: { id: response.id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter, transports: stored.transports as AuthenticatorTransport[] },
          requireUserVerification: secondStepOf === undefined,
        });
      } catch {
        return { ok: false, reason: 'not_verified' };
      }
      const info = verified.authenticationInfo;
      // The backup-eligible flag is fixed when the key is made (WebAuthn 6.1.3): a single-device
      // key that now says it can be synced is not the key we registered.
      if (!verified.verified || info.credentialDeviceType !== stored.deviceType) return { ok: false, reason: 'not_verified' };
      const owner = stored.accountId;
      const handle = response.response.userHandle;
      const named = handle ? Buffer.from(handle, 'base64url').toString() : undefined;
      // The second step knows its account already (a user handle, if sent, must agree); the login
      // page identifies the person by the user handle alone, which must then be there.
      const handleAgrees = secondStepOf !== undefined ? named === undefined || named === owner : named === owner;
      if ((secondStepOf !== undefined && owner !== secondStepOf) || !handleAgrees) return { ok: false, reason: 'wrong_account' };
      if (info.newCounter > 0 && !(await claim(counterClaims, `${response.id}:${info.newCounter}`))) return { ok: false, reason: 'not_verified' };
      const latest = await uses.find(response.id);
      // Never lower the stored counter (an older answer finishing after a newer one).
      const newest = latest?.accountId === owner && typeof latest.counter === 'number' && latest.counter > info.newCounter ? latest.counter : info.newCounter;
      await uses.upsert(response.id, { accountId: owner, counter: newest, backedUp: info.credentialBackedUp, lastUsedAt: new Date().toISOString() });
      const method = stored.deviceType === 'multiDevice' ? 'swk' : 'hwk';
      return { ok: true, check: { accountId: owner, credentialId: response.id, method, secondStep: secondStepOf !== undefined } };
    },

    /** Whether the passkey is still there (a sign-in re-checks before it finishes). */
    async exists(credentialId: string, accountId: string): Promise<boolean> {
      return (await passkeys.find(credentialId))?.accountId === accountId;
    },

    /** Removes one of the account's passkeys: false when it has none by that id. */
    async remove(accountId: string, credentialId: string): Promise<boolean> {
      if ((await passkeys.find(credentialId))?.accountId !== accountId) return false;
      await passkeys.destroy(credentialId);
      await uses.destroy(credentialId);
      return true;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
