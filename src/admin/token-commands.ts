/** `tokens create-initial-access`: a token that lets one party register client apps (RFC 7591). */
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
