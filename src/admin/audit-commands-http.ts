/**
 * `audit list` over the Management API (GET /api/v1/audit-events, newest first), printing the rows
 * audit-commands.ts prints. The API has no `before`: pages are followed until --limit events
 * older than --before have been seen, or the events run out.
 */
import { auditBounds, type AuditOptions } from './audit-commands.js';
import type { ManagementClient, Page } from './management-client.js';
import type { Row } from './output.js';
import { findUserByEmail } from './user-commands-http.js';

interface ApiAuditEvent {
  id: string;
  at: string;
  type: string;
  source?: string;
  user_id?: string;
  client_id?: string;
  email_hash?: string;
  detail?: Record<string, unknown>;
}

const row = (event: ApiAuditEvent): Row => ({
  at: event.at,
  type: event.type,
  source: event.source ?? '',
  account_id: event.user_id ?? '',
  client_id: event.client_id ?? '',
  email_hash: event.email_hash ?? '',
  detail: event.detail ? JSON.stringify(event.detail) : '',
});

export async function listAuditHttp(api: ManagementClient, options: AuditOptions): Promise<Row[]> {
  const { limit, before } = auditBounds(options);
  const userId = options.email === undefined ? undefined : (await findUserByEmail(api, options.email)).id;
  if (!before) return (await api.list<ApiAuditEvent>('/audit-events', { query: { type: options.type, user_id: userId }, limit })).map(row);
  const kept: ApiAuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.call<Page<ApiAuditEvent>>('GET', '/audit-events', { query: { type: options.type, user_id: userId, limit: '100', cursor } });
    kept.push(...page.items.filter((event) => Date.parse(event.at) < before.getTime()));
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && kept.length < limit);
  return kept.slice(0, limit).map(row);
}
