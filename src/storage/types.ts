import type { RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

/**
 * What every store provides. Two implementations exist (memory/, mongo/) and one contract suite
 * (test/contract) pins their behaviour, so no other code needs to know which store is in use.
 */

/** A record as oidc-provider hands it to its adapter: plain JSON with a few indexed fields. */
export interface AdapterPayload {
  [key: string]: unknown;
  uid?: string;
  userCode?: string;
  grantId?: string;
  accountId?: string;
  clientId?: string;
  /** epoch seconds, set by `consume` */
  consumed?: number;
}

/** What an upsert may store (OidcModelStore.upsert). */
export interface RecordBounds {
  /** The most JSON text the record may have, in characters. */
  maxChars: number;
}

/**
 * Both stores' check of the text they are about to write. Its error is for the logs, never for a
 * page (the adapter answers the client with its own invalid_request).
 */
export function assertWithinBounds(json: string, bounds: RecordBounds): void {
  if (json.length > bounds.maxChars) throw new AppError('too_large', `The record is ${json.length} characters of JSON, over the ${bounds.maxChars} allowed`, { expose: false });
}

/**
 * oidc-provider's adapter contract for one model (Session, AccessToken, Client, ...).
 * Expired records are never returned, whatever the backend's clean-up schedule.
 *
 * Ids, uids, user codes, grant ids and account ids are non-empty strings (src/storage/ids.ts):
 * given anything else, lookups find nothing, `consume` fails with `already_consumed`, `destroy`
 * and `revokeByGrantId` change nothing, and `upsert` fails with AppError `invalid_input`; no such
 * value ever reaches a database query. Payloads round-trip exactly, whatever names their keys
 * have (a client chooses some of them: the `claims` parameter). A stored record whose payload
 * can't be read back as a JSON object (damaged outside the IdP) counts as absent, and is logged
 * by model (`storage.unreadable_record`): one bad record fails no read that meets it.
 */
export interface OidcModelStore {
  /**
   * `bounds.maxChars`: a record whose JSON text is longer is not stored (AppError `too_large`), and
   * the record stored before under the id, if any, stays. The store checks the text it writes, so
   * a caller with a bound doesn't serialise the payload a second time to check it.
   */
  upsert(id: string, payload: AdapterPayload, expiresInSeconds?: number, bounds?: RecordBounds): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  /**
   * The payload as the JSON text it is stored as, or undefined when find would answer nothing:
   * text that changes whenever an upsert changes the record, read without parsing it
   * (oidc/client-lookups.ts). The consumed mark is kept beside it, not in it: a consume leaves
   * the text as it was.
   */
  findJson(id: string): Promise<string | undefined>;
  /**
   * Writes `payload` only if the record is live and its JSON text is still `expectedJson` (what
   * findJson answered): a compare-and-swap for read-change-write callers (admin changes to a
   * client), so a write based on a read that another write or a deletion has since overtaken
   * changes nothing. True when written (with `expiresInSeconds` as upsert's); false when the record
   * changed or is gone.
   */
  replaceIfUnchanged(id: string, expectedJson: string, payload: AdapterPayload, expiresInSeconds?: number): Promise<boolean>;
  /**
   * Writes `payload` only if no live record has this id: a create that must not overwrite (two
   * admins creating a client under the same chosen id: the one written second would otherwise
   * replace the first's secret while both were told "created"). True when written; false when a
   * live record was there, which then stays as it was. A record whose expiry has passed counts as
   * absent, as for find.
   */
  insertIfAbsent(id: string, payload: AdapterPayload, expiresInSeconds?: number): Promise<boolean>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /** Marks the record consumed exactly once; a second call fails with AppError `already_consumed`. */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Deletes the record only if it is live and its JSON text is still `expectedJson`, as replaceIfUnchanged writes; true when deleted. */
  destroyIfUnchanged(id: string, expectedJson: string): Promise<boolean>;
  revokeByGrantId(grantId: string): Promise<void>;
  /**
   * Deletes every record of the model that names this client (`clientId`): a deleted client's
   * grants, tokens and codes (oidc/revoke-client.ts). Records written before the store kept
   * clientId beside the payload are not found (MongoDB); they end with their lifetime.
   */
  revokeByClientId(clientId: string): Promise<void>;
  /** Every live record of the model, for admin listings (clients); not used by oidc-provider. */
  list(): Promise<{ id: string; payload: AdapterPayload }[]>;
  /**
   * One page of live records by id (ascending, as strings compare): at most `limit`, only ids
   * after `after`, for admin listings of models that strangers can fill (dynamically registered
   * clients) and for the back-channel sender's polls: MongoDB returns the page off its _id index;
   * the memory store passes over the model's ids once, keeping the page's (~5 ms a page at
   * 100,000 records).
   */
  page(query: { limit: number; after?: string }): Promise<{ id: string; payload: AdapterPayload }[]>;
  /** Live records of one account (sessions, grants): the account page; not used by oidc-provider. */
  findByAccountId(accountId: string): Promise<{ id: string; payload: AdapterPayload }[]>;
}

export interface AccountRecord {
  id: string;
  email: string;
  name: string;
  givenName?: string;
  familyName?: string;
  emailVerified: boolean;
  passwordHash: string;
  disabled: boolean;
  /**
   * When all of the account's access was last ended (sign out everywhere, password change,
   * disable): anything that authenticated before it (an IdP session, a sign-in still on its way,
   * a token) no longer counts, even if a request in flight saved it again afterwards.
   */
  accessEndedAt?: Date;
  /**
   * When every session but one was last ended (a changed second factor: factor-changes.ts): a
   * session (or a token of one) that signed in before it no longer counts unless it is that one
   * (`keptSessionUid`), even if a request in flight saved it again afterwards.
   */
  otherSessionsEndedAt?: Date;
  keptSessionUid?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewAccount = Pick<AccountRecord, 'email' | 'name' | 'emailVerified' | 'passwordHash'> &
  Partial<Pick<AccountRecord, 'givenName' | 'familyName'>>;

export type AccountChanges = Partial<
  Pick<AccountRecord, 'name' | 'givenName' | 'familyName' | 'emailVerified' | 'passwordHash' | 'disabled' | 'accessEndedAt' | 'otherSessionsEndedAt' | 'keptSessionUid'>
>;

/** What decides whether a sign-in (or a session) of the account still counts. */
export type AccountAccess = Pick<AccountRecord, 'passwordHash' | 'accessEndedAt' | 'otherSessionsEndedAt' | 'keptSessionUid' | 'disabled'>;

/** Whether two reads of an account agree on everything AccountAccess names. */
export function sameAccess(a: AccountAccess, b: AccountAccess): boolean {
  const time = (moment: Date | undefined) => moment?.getTime();
  return (
    a.passwordHash === b.passwordHash &&
    time(a.accessEndedAt) === time(b.accessEndedAt) &&
    time(a.otherSessionsEndedAt) === time(b.otherSessionsEndedAt) &&
    a.keptSessionUid === b.keptSessionUid &&
    Boolean(a.disabled) === Boolean(b.disabled)
  );
}

export interface AccountPageQuery {
  limit: number;
  after?: string;
  emailContains?: string;
}

/** Ids and emails that are not non-empty strings find and change nothing (as for model records). */
export interface AccountRepository {
  /** Fails with AppError `email_taken` when the email exists in any letter case. */
  create(input: NewAccount): Promise<AccountRecord>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** Case-insensitive. */
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  list(): Promise<AccountRecord[]>;
  /**
   * One page of accounts by id (ascending, as strings compare): at most `limit`, only ids after
   * `after`, only emails containing `emailContains` (any letter case, taken literally). A
   * listing's memory is bounded by its page size, not by how many accounts there are: MongoDB
   * walks its _id index and returns the page (with an email filter it may examine every account
   * after the cursor to find few matches); the memory store passes over its ids once, keeping
   * the page's, and sorts the rest of its ids only when an email filter left the page short.
   */
  page(query: AccountPageQuery): Promise<AccountRecord[]>;
  /**
   * `ifUnchanged`: the account as the caller read it; the change is written only if the account's
   * password and the marks of ended access (`accessEndedAt`, `otherSessionsEndedAt`,
   * `keptSessionUid`, `disabled`) are still as read, else nothing is written and the answer is
   * undefined, as for an account that is gone. A password change checked against a session that a
   * sign-out everywhere, another password change or a factor change ended meanwhile must not land
   * after it (found by an attacking review: the old password's holder won the race).
   */
  update(id: string, changes: AccountChanges, options?: { ifUnchanged?: AccountAccess }): Promise<AccountRecord | undefined>;
  /**
   * Deletes the account for good: true when it existed. Its email is free at once (any letter
   * case). Ending its sessions and grants first is the caller's job (account-admin.ts).
   */
  remove(id: string): Promise<boolean>;
}

export type SigningAlgorithm = 'RS256' | 'ES256';
/** `bootstrap`: the first start's key set in one record (oidc/key-ring.ts), so instances starting together agree; `factor`: the keys that seal TOTP secrets and hash recovery codes (mfa/factor-secrets.ts). */
export type KeyPurpose = 'signing' | 'cookie' | 'pseudonym' | 'bootstrap' | 'factor';

/**
 * A signing key or a cookie secret. Keys are published before they are used and kept after they
 * stop being used, so every IdP instance knows a key before any of them signs with it, and
 * everything signed with a retired key still verifies until it has expired.
 */
export interface StoredKey {
  /** The JWK thumbprint (`kid`) of a signing key; a random id for a cookie secret. */
  id: string;
  purpose: KeyPurpose;
  alg?: SigningAlgorithm;
  /** Private JWK (with kid, alg, use) for signing keys; `{ secret }` for cookie secrets. Never leaves the IdP. */
  material: Record<string, unknown>;
  createdAt: Date;
  /** From this moment the key signs; before it, it is only published. */
  activatesAt: Date;
  /** From this moment the key no longer signs (its successor's activatesAt). */
  retiredAt?: Date;
  /** After this moment the key is no longer published or accepted. */
  removeAfter?: Date;
}

export interface KeyRepository {
  list(purpose: KeyPurpose): Promise<StoredKey[]>;
  add(key: StoredKey): Promise<void>;
  retire(id: string, retiredAt: Date, removeAfter: Date): Promise<void>;
  remove(id: string): Promise<void>;
}

/**
 * Windowed counters with atomic increments: rate-limiter-flexible's limiter on this store's
 * backend (its memory limiter, or its MongoDB limiter on our connection), so every IdP instance
 * counts into the same numbers. A key's window starts with its first point.
 */
export interface RateLimiter {
  /** Adds points; rejects with a RateLimiterRes (not an Error) once the key is over its points. */
  consume(key: string, points?: number, options?: { customDuration?: number }): Promise<RateLimiterRes>;
  /** Adds points without ever rejecting for the limit. */
  penalty(key: string, points?: number): Promise<RateLimiterRes>;
  reward(key: string, points?: number): Promise<RateLimiterRes>;
  /** The key's state, or null when it has no live window. */
  get(key: string): Promise<RateLimiterRes | null>;
  delete(key: string): Promise<boolean>;
}

export interface RateLimiterOptions {
  /** Separates one limit's keys from every other's. */
  keyPrefix: string;
  /** Points a key may consume in its window before `consume` rejects. */
  points: number;
  durationSeconds: number;
}

/**
 * One security-relevant event (sign-ins, throttling, refused cross-site posts, account-page and
 * admin actions, registrations). Never an email or a secret: people are named by account id
 * when known, else by the pseudonym of the email they typed.
 */
export interface AuditEvent {
  id: string;
  at: Date;
  /** `sign_in.failed`, `account.signed_out_everywhere`, ... */
  type: string;
  /** The client address the request came from. */
  source?: string;
  /** Pseudonym of the email concerned (security/pseudonyms.ts). */
  subject?: string;
  accountId?: string;
  clientId?: string;
  /** Small facts about the event: counts, limits, reasons. Our own values only. */
  detail?: Record<string, string | number | boolean>;
}

export interface AuditQuery {
  limit: number;
  /** Only events older than this (paging backwards). */
  before?: Date;
  /**
   * With `before`: events at exactly `before` count too when their id sorts below this one. The
   * list is ordered by `at`, then `id`, both descending, so a cursor of (at, id) pages through
   * events that share a timestamp without skipping or repeating any.
   */
  beforeId?: string;
  type?: string;
  accountId?: string;
}

/** The audit trail: append-only, kept for a retention period, read newest first (ties: highest id first). */
export interface AuditRepository {
  append(event: AuditEvent, retentionSeconds: number): Promise<void>;
  list(query: AuditQuery): Promise<AuditEvent[]>;
}

export interface Storage {
  readonly kind: 'memory' | 'mongodb';
  rateLimiter(options: RateLimiterOptions): RateLimiter;
  /** One of STORED_MODELS (src/storage/models.ts); any other name fails with AppError `internal`. */
  modelStore(model: string): OidcModelStore;
  readonly accounts: AccountRepository;
  readonly keys: KeyRepository;
  readonly audit: AuditRepository;
  /** true when the backend answers; used by /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
