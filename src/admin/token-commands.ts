/** `tokens create-initial-access | list-initial-access | revoke-initial-access`: tokens that let one party register client apps (RFC 7591). */
import { AppError } from '../errors.js';
import { listInitialAccessTokens, revokeInitialAccessToken, type InitialAccessTokenView } from '../oidc/initial-access-tokens.js';
import { issueInitialAccessToken } from '../oidc/registration.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import type { Row } from './output.js';

export const TOKEN_COLUMNS = ['initial_access_token', 'expires_at', 'single_use'];

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "3600", "90m", "12h", "7d" -> seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new UsageError(`--expires-in must be a duration such as 3600, 90m, 12h or 7d (got "${value}")`);
  return seconds;
}

/** The bounds and the default lifetime are registration.ts's, as for the Management API. */
export async function createInitialAccessToken(ctx: AdminContext, options: { expiresIn?: string; singleUse: boolean }): Promise<Row[]> {
  const expiresInSeconds = options.expiresIn === undefined ? undefined : parseDuration(options.expiresIn);
  const issued = await issueInitialAccessToken(ctx.idp.provider(), { expiresInSeconds, singleUse: options.singleUse });
  return [{ initial_access_token: issued.token, expires_at: issued.expiresAt.toISOString(), single_use: issued.singleUse }];
}

/** What a listing shows of a token: its handle, never the token. */
export const LISTED_TOKEN_COLUMNS = ['id', 'expires_at', 'single_use', 'used', 'from_environment'];

export const listedTokenRow = (token: { id: string; expires_at?: string; single_use: boolean; used: boolean; from_environment: boolean }): Row => ({
  id: token.id,
  expires_at: token.expires_at ?? '',
  single_use: token.single_use,
  used: token.used,
  from_environment: token.from_environment,
});

const asApi = (token: InitialAccessTokenView) => ({ id: token.id, expires_at: token.expiresAt?.toISOString(), single_use: token.singleUse, used: token.used, from_environment: token.fromEnvironment });

export async function listInitialAccessTokensDirect(ctx: AdminContext): Promise<Row[]> {
  return (await listInitialAccessTokens(ctx.idp.storage)).map(asApi).map(listedTokenRow).sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

export async function revokeInitialAccessTokenDirect(ctx: AdminContext, id: string): Promise<Row[]> {
  const outcome = await revokeInitialAccessToken(ctx.idp.storage, id);
  if (outcome === 'not_found') throw new AppError('not_found', `No initial access token has the id "${id}" (see tokens list-initial-access)`, { expose: true });
  if (outcome === 'from_environment') throw new AppError('conflict', 'This token is set by INITIAL_ACCESS_TOKEN: change or remove it there, and restart', { expose: true });
  return [{ id, revoked: true }];
}
