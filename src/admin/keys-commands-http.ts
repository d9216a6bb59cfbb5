/** `keys list | rotate | prune` over the Management API (/api/v1/keys), printing the rows keys-commands.ts prints. */
import type { ManagementClient } from './management-client.js';
import type { Row } from './output.js';
import { choice } from './keys-commands.js';

interface ApiKey {
  id: string;
  purpose: string;
  alg?: string;
  state: string;
  activates_at: string;
  retires_at?: string;
  removed_after?: string;
}

const row = (key: ApiKey): Row => ({ id: key.id, purpose: key.purpose, alg: key.alg, state: key.state, activates: key.activates_at, retires: key.retires_at, removed_after: key.removed_after });

/** One purpose as the API names it, or 'all' (checked here, so a typo is a usage error as on the store). */
function purposeOf(value: string | undefined): 'signing' | 'cookie' | 'all' {
  return choice(value) ?? 'all';
}

export async function listKeysHttp(api: ManagementClient, options: { purpose?: string }): Promise<Row[]> {
  const purpose = purposeOf(options.purpose);
  return (await api.list<ApiKey>('/keys', { query: { purpose: purpose === 'all' ? undefined : purpose } })).map(row);
}

export async function rotateHttp(api: ManagementClient, options: { purpose?: string }): Promise<Row[]> {
  return (await api.call<{ items: ApiKey[] }>('POST', '/keys/rotate', { body: { purpose: purposeOf(options.purpose) } })).items.map(row);
}

export async function pruneHttp(api: ManagementClient, options: { purpose?: string }): Promise<Row[]> {
  const purpose = purposeOf(options.purpose);
  const { removed } = await api.call<{ removed: string[] }>('POST', '/keys/prune', { body: { purpose } });
  return removed.map((id) => ({ id, purpose, removed: true }));
}
