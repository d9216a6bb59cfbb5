/**
 * A sign-in whose password was right, waiting for its second factor. Kept in the store under the
 * interaction's uid (never in a form field or cookie the browser could write), with the
 * interaction's own remaining lifetime, so it expires with it. Only the interaction router reads
 * it, after oidc-provider has matched the uid to this browser's interaction cookie; ending the
 * account's access destroys the interaction, after which nothing reaches this record again.
 */
import type { Storage } from '../storage/types.js';

export interface PendingSignIn {
  accountId: string;
  /** When the password check began (epoch ms): the sign-in's auth_time (interactions/login.ts). */
  checkedFrom: number;
  /** The sign-in also answers a pending prompt=select_account. */
  selectAccount: boolean;
  /** A step-up: the password is the IdP session's, checked before this interaction began (interactions/router.ts). */
  stepUp?: boolean;
}

/**
 * Whether a step-up's password is older than the site's max_age allows (OpenID Connect Core
 * 3.1.2.1): it was within max_age when the second-factor page was made, but a factor given later
 * would hand the site an auth_time older than it asked for. The person then signs in in full.
 */
export function stepUpTooOld(pending: Pick<PendingSignIn, 'stepUp' | 'checkedFrom'>, params: { max_age?: unknown }, now = Date.now()): boolean {
  if (!pending.stepUp) return false;
  const maxAge = typeof params.max_age === 'string' || typeof params.max_age === 'number' ? Number(params.max_age) : Number.NaN;
  return Number.isFinite(maxAge) && now - pending.checkedFrom > maxAge * 1000;
}

export function createPendingSignIns(storage: Storage) {
  const store = storage.modelStore('PendingSecondFactor');
  return {
    save: (uid: string, pending: PendingSignIn, expiresInSeconds: number) => store.upsert(uid, { ...pending }, Math.max(1, expiresInSeconds)),
    async find(uid: string): Promise<PendingSignIn | undefined> {
      const payload = await store.find(uid);
      if (!payload || typeof payload.accountId !== 'string' || typeof payload.checkedFrom !== 'number') return undefined;
      return { accountId: payload.accountId, checkedFrom: payload.checkedFrom, selectAccount: payload.selectAccount === true, stepUp: payload.stepUp === true };
    },
    destroy: (uid: string) => store.destroy(uid),
  };
}

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;
