/**
 * `users ...` over the Management API (/api/v1/users), printing the rows user-commands.ts prints.
 * People are named by email on the command line; the API by id, so each command looks the id up
 * first (GET /users?email=, a substring match: the exact one, case-insensitively, is taken).
 */
import { AppError } from '../errors.js';
import type { AdminIo } from './context.js';
import type { ManagementClient } from './management-client.js';
import type { Row } from './output.js';
import { endedSummary, readNewPassword } from './user-commands.js';

/** A person as the API shows them. */
interface ApiUser {
  id: string;
  email: string;
  name: string;
  given_name?: string;
  family_name?: string;
  email_verified: boolean;
  disabled: boolean;
  has_totp: boolean;
  passkeys: number;
  has_recovery_codes: boolean;
  created_at: string;
  updated_at: string;
}

interface ApiEnded {
  sessions: number;
  apps: number;
  offline_apps: number;
  notified: number;
}

const row = (user: ApiUser): Row => ({ email: user.email, name: user.name, email_verified: user.email_verified, disabled: user.disabled, id: user.id });

const summary = (ended: ApiEnded) => endedSummary({ sessions: ended.sessions, apps: ended.apps, offlineApps: ended.offline_apps, notified: ended.notified });

export async function findUserByEmail(api: ManagementClient, email: string): Promise<ApiUser> {
  const wanted = email.trim().toLowerCase();
  const found = (await api.list<ApiUser>('/users', { query: { email: wanted } })).find((user) => user.email.toLowerCase() === wanted);
  if (!found) throw new AppError('not_found', `No user with email "${email}"`, { expose: true });
  return found;
}

export async function addUserHttp(api: ManagementClient, io: AdminIo, options: { email: string; name: string; givenName?: string; familyName?: string; verified: boolean }): Promise<Row[]> {
  const password = await readNewPassword(io);
  const body = { email: options.email, name: options.name, password, email_verified: options.verified, ...(options.givenName ? { given_name: options.givenName } : {}), ...(options.familyName ? { family_name: options.familyName } : {}) };
  return [row(await api.call<ApiUser>('POST', '/users', { body }))];
}

export async function listUsersHttp(api: ManagementClient): Promise<Row[]> {
  return (await api.list<ApiUser>('/users')).map(row);
}

export async function setDisabledHttp(api: ManagementClient, io: AdminIo, email: string, disabled: boolean): Promise<Row[]> {
  const user = await findUserByEmail(api, email);
  const answer = await api.call<{ user: ApiUser; ended?: ApiEnded }>('POST', `/users/${encodeURIComponent(user.id)}/${disabled ? 'disable' : 'enable'}`);
  if (answer.ended) io.err(summary(answer.ended));
  return [row(answer.user)];
}

export async function setPasswordHttp(api: ManagementClient, io: AdminIo, email: string): Promise<Row[]> {
  const user = await findUserByEmail(api, email);
  const password = await readNewPassword(io);
  const answer = await api.call<{ user: ApiUser; ended: ApiEnded }>('PUT', `/users/${encodeURIComponent(user.id)}/password`, { body: { password } });
  io.err(summary(answer.ended));
  return [row(answer.user)];
}

/** Whether unused recovery codes remain, as the API says it (not how many). */
const factorRow = (user: ApiUser): Row => ({ email: user.email, passkeys: user.passkeys, totp: user.has_totp, recovery_codes: user.has_recovery_codes, id: user.id });

export async function showFactorsHttp(api: ManagementClient, email: string): Promise<Row[]> {
  return [factorRow(await findUserByEmail(api, email))];
}

export async function resetFactorsHttp(api: ManagementClient, io: AdminIo, email: string): Promise<Row[]> {
  const user = await findUserByEmail(api, email);
  const answer = await api.call<{ user: ApiUser; ended: ApiEnded }>('POST', `/users/${encodeURIComponent(user.id)}/factors/reset`);
  io.err(summary(answer.ended));
  return [factorRow(answer.user)];
}
