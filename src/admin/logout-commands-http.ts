/** `logouts list | stats` over the Management API (/api/v1/logout-deliveries), printing the rows logout-commands.ts prints. */
import type { LogoutListOptions } from './logout-commands.js';
import type { ManagementClient } from './management-client.js';
import type { Row } from './output.js';

interface ApiDelivery {
  id: string;
  client_id: string;
  user_id: string;
  state: string;
  attempts: number;
  created_at: string;
  next_attempt_at?: string;
  last_outcome?: string;
  settled_at?: string;
}

interface ApiStats {
  pending: number;
  oldest_pending_age_seconds: number | null;
  refused_last_day: number;
  given_up_last_day: number;
}

const row = (delivery: ApiDelivery): Row => ({
  id: delivery.id,
  client_id: delivery.client_id,
  user_id: delivery.user_id,
  state: delivery.state,
  attempts: delivery.attempts,
  created_at: delivery.created_at,
  next_attempt_at: delivery.next_attempt_at,
  last_outcome: delivery.last_outcome,
  settled_at: delivery.settled_at,
});

export async function listLogoutsHttp(api: ManagementClient, options: LogoutListOptions): Promise<Row[]> {
  return (await api.list<ApiDelivery>('/logout-deliveries', { query: { state: options.state, client_id: options.clientId } })).map(row);
}

export async function logoutStatsHttp(api: ManagementClient): Promise<Row[]> {
  return [{ ...(await api.call<ApiStats>('GET', '/logout-deliveries/stats')) }];
}
