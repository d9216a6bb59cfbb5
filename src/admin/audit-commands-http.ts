/**
 * `audit list` over the Management API (GET /api/v1/audit-events, newest first), printing the rows
 * audit-commands.ts prints. The API has no `before`: pages are followed until --limit events
 * older than --before have been seen, the events run out, or MAX_PAGES pages were read.
 */
import { auditBounds, type AuditOptions } from './audit-commands.js';
import type { AdminIo } from './context.js';
import type { ManagementClient, Page } from './management-client.js';
import type { Row } from './output.js';
import { findUserByEmail } from './user-commands-http.js';

/** How far back --before searches: 100 pages of 100 events, a bounded walk through a growing trail. */
const MAX_PAGES = 100;

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

export async function listAuditHttp(api: ManagementClient, io: AdminIo, options: AuditOptions): Promise<Row[]> {
  const { limit, before } = auditBounds(options);
  const userId = options.email === undefined ? undefined : (await findUserByEmail(api, options.email)).id;
  if (!before) return (await api.list<ApiAuditEvent>('/audit-events', { query: { type: options.type, user_id: userId }, limit })).map(row);
  const kept: ApiAuditEvent[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api.call<Page<ApiAuditEvent>>('GET', '/audit-events', { query: { type: options.type, user_id: userId, limit: '100', cursor } });
    kept.push(...page.items.filter((event) => Date.parse(event.at) < before.getTime()));
    cursor = page.next_cursor ?? undefined;
    pages += 1;
  } while (cursor !== undefined && kept.length < limit && pages < MAX_PAGES);
  if (cursor !== undefined && kept.length < limit) io.err(`Read the newest ${pages * 100} events only; narrow the search with --type or --email.`);
  return kept.slice(0, limit).map(row);
}
