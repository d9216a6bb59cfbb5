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

export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Private JWK including `kid` and `alg`; never leaves the IdP. */
  privateJwk: Record<string, unknown>;
  createdAt: Date;
  /** Set when a newer key took over signing; the public half stays published until `removeAfter`. */
  retiredAt?: Date;
  removeAfter?: Date;
}

export interface KeyRepository {
  list(): Promise<StoredSigningKey[]>;
  add(key: StoredSigningKey): Promise<void>;
  retire(kid: string, retiredAt: Date, removeAfter: Date): Promise<void>;
  remove(kid: string): Promise<void>;
}

export interface Storage {
  readonly kind: 'memory' | 'mongodb';
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
