/**
 * The initial access tokens that exist (RFC 7591 section 3), as an admin sees them: never the
 * token itself (the stored record's id is the bearer value), but a handle, the first 16 characters
 * of its SHA-256 in base64url, which is also what the audit trail recorded when it was issued.
 * Revoking one deletes it: /reg refuses it from then on (401 invalid_token). The token set by
 * INITIAL_ACCESS_TOKEN is listed too, but only the environment can change it (registration.ts
 * writes it back at every start).
 */
import { createHash } from 'node:crypto';
import type { Storage } from '../storage/types.js';
import { SINGLE_USE } from './registration.js';

export interface InitialAccessTokenView {
  id: string;
  issuedAt?: Date;
  expiresAt?: Date;
  singleUse: boolean;
  /** A single-use token that registered its client (deleted right after, unless the store was away). */
  used: boolean;
  /** INITIAL_ACCESS_TOKEN's: changed or removed in the environment only. */
  fromEnvironment: boolean;
}

export type Revocation = 'revoked' | 'not_found' | 'from_environment';

/**
 * The handle that names a token without being it: 96 bits of its SHA-256, in hex. Not base64url,
 * whose handles began with "-" one time in 64, and `npm run admin -- tokens revoke-initial-access
 * -c...` read that as an unknown option (found as a rare CI failure).
 */
export const tokenHandle = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 24);

const date = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000) : undefined);

async function stored(storage: Storage) {
  const [records, pointer] = await Promise.all([storage.modelStore('InitialAccessToken').list(), storage.modelStore('StaticInitialAccessToken').find('current')]);
  return { records, fromEnvironment: typeof pointer?.jti === 'string' ? pointer.jti : undefined };
}

export async function listInitialAccessTokens(storage: Storage): Promise<InitialAccessTokenView[]> {
  const { records, fromEnvironment } = await stored(storage);
  return records.map(({ id, payload }) => ({
    id: tokenHandle(id),
    issuedAt: date(payload.iat),
    expiresAt: date(payload.exp),
    singleUse: Array.isArray(payload.policies) && payload.policies.includes(SINGLE_USE),
    used: payload.consumed !== undefined,
    fromEnvironment: id === fromEnvironment,
  }));
}

export async function revokeInitialAccessToken(storage: Storage, handle: string): Promise<Revocation> {
  const { records, fromEnvironment } = await stored(storage);
  const found = records.find(({ id }) => tokenHandle(id) === handle);
  if (!found) return 'not_found';
  if (found.id === fromEnvironment) return 'from_environment';
  await storage.modelStore('InitialAccessToken').destroy(found.id);
  return 'revoked';
}
