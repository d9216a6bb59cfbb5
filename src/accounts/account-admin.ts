/**
 * What an administrator does to a person's account, one copy for the admin CLI and the Management
 * API: disable and enable, set a password, sign out everywhere, revoke one app, delete. Each
 * change that shuts someone out ends every session, grant and token first-hand (end-access.ts)
 * and leaves a security event saying who did it; the callers only find the account and format
 * the answer. Creating an account is registerAccount (accounts.ts), for everyone.
 */
import { removeFactors, type FactorStatus } from '../mfa/factors.js';
import { AppError } from '../errors.js';
import type { Idp } from '../idp.js';
import type { AccessEnded } from '../account/end-access.js';
import type { AccountChanges, AccountRecord } from '../storage/types.js';
import { assertValidName, assertValidPassword } from './accounts.js';
import { hashPassword } from './passwords.js';

export type AccountAdminDeps = Pick<Idp, 'storage' | 'access' | 'events'>;
export type FactorAdminDeps = AccountAdminDeps & Pick<Idp, 'factors'>;

/** Who acted: the audit trail names the admin client of an API call; the CLI is "admin". */
export interface AdminActor {
  source?: string;
  adminClientId?: string;
}

export interface AccountAccessChange {
  account: AccountRecord;
  ended: AccessEnded;
}

/** The profile fields an admin may change; the email stays (it is how the person signs in). */
export type ProfileChanges = Pick<AccountChanges, 'name' | 'givenName' | 'familyName' | 'emailVerified'>;

const byWhom = (actor: AdminActor) => ({ by: 'admin', ...(actor.adminClientId ? { admin_client_id: actor.adminClientId } : {}) });

/** The account, or a 404 the caller may show: the ids come from whoever asked. */
export async function accountById(deps: AccountAdminDeps, id: string): Promise<AccountRecord> {
  const account = await deps.storage.accounts.findById(id);
  if (!account) throw new AppError('not_found', 'There is no user with this id', { expose: true });
  return account;
}

/** The account as it is after `changes`, or 404 when it went away meanwhile. */
async function change(deps: AccountAdminDeps, id: string, changes: AccountChanges): Promise<AccountRecord> {
  const updated = await deps.storage.accounts.update(id, changes);
  if (!updated) throw new AppError('not_found', 'There is no user with this id', { expose: true });
  return updated;
}

export async function updateProfile(deps: AccountAdminDeps, id: string, changes: ProfileChanges): Promise<AccountRecord> {
  await accountById(deps, id);
  const name = changes.name?.trim();
  if (name !== undefined) assertValidName(name);
  const defined = Object.fromEntries(Object.entries({ ...changes, name }).filter(([, value]) => value !== undefined)) as ProfileChanges;
  return change(deps, id, defined);
}

/** Disabling ends every session, grant and token of the account at once, and tells its apps. */
export async function disableAccount(deps: AccountAdminDeps, id: string, actor: AdminActor): Promise<AccountAccessChange> {
  await accountById(deps, id);
  // Disabled before the ending: a sign-in racing with it is refused either way.
  const account = await change(deps, id, { disabled: true });
  const ended = await deps.access.endAll(id);
  await deps.events.record({ type: 'account.disabled', source: actor.source, accountId: id, detail: { ...byWhom(actor), ...ended } });
  return { account, ended };
}

export async function enableAccount(deps: AccountAdminDeps, id: string, actor: AdminActor): Promise<AccountRecord> {
  await accountById(deps, id);
  const account = await change(deps, id, { disabled: false });
  await deps.events.record({ type: 'account.enabled', source: actor.source, accountId: id, detail: byWhom(actor) });
  return account;
}

/** An admin reset: whoever knew the old password (and every session and token) is out. */
export async function setAccountPassword(deps: AccountAdminDeps, id: string, password: string, actor: AdminActor): Promise<AccountAccessChange> {
  assertValidPassword(password);
  await accountById(deps, id);
  const account = await change(deps, id, { passwordHash: await hashPassword(password) });
  const ended = await deps.access.endAll(id);
  await deps.events.record({ type: 'account.password_changed', source: actor.source, accountId: id, detail: { ...byWhom(actor), ...ended } });
  return { account, ended };
}

/**
 * A lost phone or security key: every passkey, the authenticator app and the recovery codes go,
 * and every session ends (those signed in with the lost factors among them). Signing in asks for
 * the password only until the person sets up new factors. Says what there was; never a secret.
 */
export async function resetAccountFactors(deps: FactorAdminDeps, id: string, actor: AdminActor): Promise<AccountAccessChange & { before: FactorStatus }> {
  const account = await accountById(deps, id);
  // Access ends first: a factor being added at this moment either lands before the reset removes
  // everything, or finds the access ended when it checks after its write, and takes itself back
  // (account/passkey-routes.ts, factor-routes.ts).
  const ended = await deps.access.endAll(id);
  const before = await deps.factors.reset(id);
  await deps.events.record({
    type: 'account.factors_reset',
    source: actor.source,
    accountId: id,
    detail: { ...byWhom(actor), had_totp: before.totp, passkeys: before.passkeys, recovery_codes: before.recoveryCodes, sessions_ended: ended.sessions },
  });
  return { account, ended, before };
}

/** "Sign out everywhere", done by an admin. */
export async function signOutEverywhere(deps: AccountAdminDeps, id: string, actor: AdminActor): Promise<AccessEnded> {
  await accountById(deps, id);
  const ended = await deps.access.endAll(id);
  await deps.events.record({ type: 'account.signed_out_everywhere', source: actor.source, accountId: id, detail: { ...byWhom(actor), ...ended } });
  return ended;
}

/** The account page's "Revoke access", done by an admin; the app must exist (as there). */
export async function revokeAppAccess(deps: AccountAdminDeps & Pick<Idp, 'provider'>, id: string, clientId: string, actor: AdminActor): Promise<AccessEnded> {
  await accountById(deps, id);
  if (!(await deps.provider().Client.find(clientId))) throw new AppError('not_found', 'There is no app with this client_id', { expose: true });
  const ended = await deps.access.revokeApp(id, clientId);
  await deps.events.record({ type: 'account.app_revoked', source: actor.source, accountId: id, clientId, detail: { ...byWhom(actor), ...ended } });
  return ended;
}

/**
 * Deletes the account after ending all of its access (and telling its apps), so nothing it held
 * outlives it; its email may be registered again. The audit trail keeps the events by account id.
 */
export async function deleteAccount(deps: AccountAdminDeps, id: string, actor: AdminActor): Promise<AccessEnded> {
  await accountById(deps, id);
  const ended = await deps.access.endAll(id);
  await deps.storage.accounts.remove(id);
  // Its passkeys, authenticator-app secret and recovery-code hashes go with it.
  await removeFactors(deps.storage, id);
  await deps.events.record({ type: 'account.deleted', source: actor.source, accountId: id, detail: { ...byWhom(actor), ...ended } });
  return ended;
}
