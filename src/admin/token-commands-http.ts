/** `tokens ...-initial-access` over the Management API (/api/v1/initial-access-tokens). */
import type { ManagementClient } from './management-client.js';
import type { Row } from './output.js';
import { listedTokenRow, parseDuration } from './token-commands.js';

export async function createInitialAccessTokenHttp(api: ManagementClient, options: { expiresIn?: string; singleUse: boolean }): Promise<Row[]> {
  const body = { expires_in_seconds: parseDuration(options.expiresIn ?? '7d'), single_use: options.singleUse };
  const answer = await api.call<{ initial_access_token: string; expires_at: string; single_use: boolean }>('POST', '/initial-access-tokens', { body });
  return [{ initial_access_token: answer.initial_access_token, expires_at: answer.expires_at, single_use: answer.single_use }];
}

export async function listInitialAccessTokensHttp(api: ManagementClient): Promise<Row[]> {
  return (await api.list<Parameters<typeof listedTokenRow>[0]>('/initial-access-tokens')).map(listedTokenRow);
}

export async function revokeInitialAccessTokenHttp(api: ManagementClient, id: string): Promise<Row[]> {
  await api.call('DELETE', `/initial-access-tokens/${encodeURIComponent(id)}`);
  return [{ id, revoked: true }];
}
