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
  /** epoch seconds, set by `consume` */
  consumed?: number;
}

/**
 * oidc-provider's adapter contract for one model (Session, AccessToken, Client, ...).
 * Expired records are never returned, whatever the backend's clean-up schedule.
 */
export interface OidcModelStore {
  upsert(id: string, payload: AdapterPayload, expiresInSeconds?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /** Marks the record consumed exactly once; a second call fails with AppError `already_consumed`. */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** Every live record of the model, for admin listings (clients); not used by oidc-provider. */
  list(): Promise<{ id: string; payload: AdapterPayload }[]>;
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
  createdAt: Date;
  updatedAt: Date;
}

export type NewAccount = Pick<AccountRecord, 'email' | 'name' | 'emailVerified' | 'passwordHash'> &
  Partial<Pick<AccountRecord, 'givenName' | 'familyName'>>;

export type AccountChanges = Partial<Pick<AccountRecord, 'name' | 'givenName' | 'familyName' | 'emailVerified' | 'passwordHash' | 'disabled'>>;

export interface AccountRepository {
  /** Fails with AppError `email_taken` when the email exists in any letter case. */
  create(input: NewAccount): Promise<AccountRecord>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** Case-insensitive. */
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  list(): Promise<AccountRecord[]>;
  update(id: string, changes: AccountChanges): Promise<AccountRecord | undefined>;
}

export type SigningAlgorithm = 'RS256' | 'ES256';
export type KeyPurpose = 'signing' | 'cookie';

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

/** Counters that live for a window, incremented atomically (login throttling). */
export interface CounterRepository {
  /** Adds one and returns the new count; a counter starts at 1 and is gone `windowSeconds` after it started. */
  increment(key: string, windowSeconds: number): Promise<number>;
  reset(key: string): Promise<void>;
}

export interface Storage {
  readonly kind: 'memory' | 'mongodb';
  readonly counters: CounterRepository;
  modelStore(model: string): OidcModelStore;
  readonly accounts: AccountRepository;
  readonly keys: KeyRepository;
  /** true when the backend answers; used by /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
