/** `users add | list | disable | enable | set-password | factors | reset-factors`: passwords come from a prompt or stdin. */
import { disableAccount, enableAccount, resetAccountFactors, setAccountPassword, type AdminActor } from '../accounts/account-admin.js';
import { assertValidPassword, registerAccount } from '../accounts/accounts.js';
import { AppError } from '../errors.js';
import type { AccessEnded } from '../account/end-access.js';
import type { AccountRecord } from '../storage/types.js';
import type { AdminContext, AdminIo } from './context.js';
import type { Row } from './output.js';

/** The CLI runs on the operator's machine: no source address, no admin client. */
const CLI: AdminActor = {};

export const USER_COLUMNS = ['email', 'name', 'email_verified', 'disabled', 'id'];

const row = (account: AccountRecord): Row => ({
  email: account.email,
  name: account.name,
  email_verified: account.emailVerified,
  disabled: account.disabled,
  id: account.id,
});

async function byEmail(ctx: AdminContext, email: string): Promise<AccountRecord> {
  const account = await ctx.idp.storage.accounts.findByEmail(email);
  if (!account) throw new AppError('not_found', `No user with email "${email}"`, { expose: true });
  return account;
}

/** Checked here too, so a short password is refused before it travels anywhere. */
export async function readNewPassword(io: AdminIo): Promise<string> {
  const password = await io.readSecret('New password: ');
  assertValidPassword(password);
  return password;
}

export async function addUser(ctx: AdminContext, options: { email: string; name: string; givenName?: string; familyName?: string; verified: boolean }): Promise<Row[]> {
  const password = await readNewPassword(ctx.io);
  const account = await registerAccount(ctx.idp.storage.accounts, { ...options, password, emailVerified: options.verified });
  return [row(account)];
}

export async function listUsers(ctx: AdminContext): Promise<Row[]> {
  return (await ctx.idp.storage.accounts.list()).map(row);
}

/** Disabling ends every session, grant and token of the account at once, and tells its apps. */
export async function setDisabled(ctx: AdminContext, email: string, disabled: boolean): Promise<Row[]> {
  const { id } = await byEmail(ctx, email);
  if (!disabled) return [row(await enableAccount(ctx.idp, id, CLI))];
  const { account, ended } = await disableAccount(ctx.idp, id, CLI);
  ctx.io.err(endedSummary(ended));
  return [row(account)];
}

/** An admin reset: whoever knew the old password (and every session and token) is out. */
export async function setPassword(ctx: AdminContext, email: string): Promise<Row[]> {
  const { id } = await byEmail(ctx, email);
  const { account, ended } = await setAccountPassword(ctx.idp, id, await readNewPassword(ctx.io), CLI);
  ctx.io.err(endedSummary(ended));
  return [row(account)];
}

/** What an admin sees of a person's second factors: whether they have them, never the factors. */
export const FACTOR_COLUMNS = ['email', 'passkeys', 'totp', 'recovery_codes', 'id'];

export async function showFactors(ctx: AdminContext, email: string): Promise<Row[]> {
  const account = await byEmail(ctx, email);
  const status = await ctx.idp.factors.status(account.id);
  return [{ email: account.email, passkeys: status.passkeys, totp: status.totp, recovery_codes: status.recoveryCodes > 0, id: account.id }];
}

/** A lost phone or key: every second factor goes, and every session ends. */
export async function resetFactors(ctx: AdminContext, email: string): Promise<Row[]> {
  const { id } = await byEmail(ctx, email);
  const { account, ended } = await resetAccountFactors(ctx.idp, id, CLI);
  ctx.io.err(endedSummary(ended));
  return [{ email: account.email, passkeys: 0, totp: false, recovery_codes: false, id }];
}

export function endedSummary(ended: AccessEnded): string {
  return `Ended ${ended.sessions} session(s); revoked access of ${ended.apps} app(s) (${ended.offlineApps} with offline access); telling ${ended.notified} app(s) through back-channel logout (npm run admin -- logouts list shows whether each arrived).`;
}
