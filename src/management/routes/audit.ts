/**
 * /audit-events: the security events the IdP kept, newest first, as `audit list` shows them. The
 * cursor names the last event of a page by its time and id, the order the stores list in
 * (storage/types.ts AuditRepository), so events sharing a millisecond are neither skipped nor
 * repeated across pages.
 */
import type { Idp } from '../../idp.js';
import type { AuditEvent } from '../../storage/types.js';
import { pageLimit, pageSchema, PAGING_QUERY } from '../paging.js';
import { ApiProblem } from '../problem.js';
import type { ApiRoute, JsonSchema } from '../route.js';
import { idParam } from '../schemas.js';

export type AuditDeps = Pick<Idp, 'storage'>;

const EVENT: JsonSchema = {
  type: 'object',
  required: ['id', 'at', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    type: { type: 'string', description: 'sign_in.failed, admin.change, ...' },
    source: { type: 'string', description: 'The client address the request came from' },
    user_id: { type: 'string' },
    client_id: { type: 'string' },
    email_hash: { type: 'string', description: 'Pseudonym of the email concerned (never the email)' },
    detail: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
  },
};

const representation = (event: AuditEvent) => ({
  id: event.id,
  at: event.at.toISOString(),
  type: event.type,
  ...(event.source ? { source: event.source } : {}),
  ...(event.accountId ? { user_id: event.accountId } : {}),
  ...(event.clientId ? { client_id: event.clientId } : {}),
  ...(event.subject ? { email_hash: event.subject } : {}),
  ...(event.detail ? { detail: event.detail } : {}),
});

const encodeCursor = (event: AuditEvent) => Buffer.from(`${event.at.getTime()}.${event.id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): { before: Date; beforeId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,15})\.(.{1,256})$/s.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new ApiProblem(400, 'invalid_input', 'cursor is not a cursor this API gave out');
  return { before: new Date(Number(match[1])), beforeId: match[2]! };
}

export function auditRoutes(deps: AuditDeps): ApiRoute[] {
  return [
    {
      method: 'get',
      path: '/audit-events',
      operationId: 'listAuditEvents',
      summary: 'List security events, newest first',
      tag: 'Audit',
      scope: 'admin:audit:read',
      query: {
        ...PAGING_QUERY,
        type: { description: 'Only events of this type (admin.change, sign_in.failed, ...)', schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } },
        user_id: { description: 'Only events about this user', schema: idParam },
      },
      response: { status: 200, description: 'A page of events, newest first', schema: pageSchema(EVENT) },
      async handle({ query }) {
        const limit = pageLimit(query);
        const cursor = query.cursor === undefined ? {} : decodeCursor(query.cursor);
        const events = await deps.storage.audit.list({ limit: limit + 1, ...cursor, type: query.type, accountId: query.user_id });
        const items = events.slice(0, limit);
        return { status: 200, body: { items: items.map(representation), next_cursor: events.length > limit ? encodeCursor(items[items.length - 1]!) : null } };
      },
    },
  ];
}
