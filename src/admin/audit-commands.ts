/** `audit list`: the security events the IdP kept (newest first), for an admin to read. */
import { AppError } from '../errors.js';
import type { AuditEvent } from '../storage/types.js';
import type { AdminContext } from './context.js';
import type { Row } from './output.js';

export const AUDIT_COLUMNS = ['at', 'type', 'source', 'account_id', 'client_id', 'email_hash', 'detail'];
const MAX_LIMIT = 1000;

const row = (event: AuditEvent): Row => ({
  at: event.at.toISOString(),
  type: event.type,
  source: event.source ?? '',
  account_id: event.accountId ?? '',
  client_id: event.clientId ?? '',
  email_hash: event.subject ?? '',
  detail: event.detail ? JSON.stringify(event.detail) : '',
});

export interface AuditOptions {
  limit?: string;
  type?: string;
  email?: string;
  before?: string;
}

/** --limit and --before, checked the same way over HTTP and on the store. */
export function auditBounds(options: AuditOptions): { limit: number; before?: Date } {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new AppError('invalid_input', `--limit must be a whole number from 1 to ${MAX_LIMIT}`, { expose: true });
  const before = options.before === undefined ? undefined : new Date(options.before);
  if (before && Number.isNaN(before.getTime())) throw new AppError('invalid_input', '--before must be a date such as 2026-11-30T12:00:00Z', { expose: true });
  return { limit, before };
}

export async function listAudit(ctx: AdminContext, options: AuditOptions): Promise<Row[]> {
  const { limit, before } = auditBounds(options);
  let accountId: string | undefined;
  if (options.email !== undefined) {
    accountId = (await ctx.idp.storage.accounts.findByEmail(options.email))?.id;
    if (!accountId) throw new AppError('not_found', `No user with email "${options.email}"`, { expose: true });
  }
  return (await ctx.idp.storage.audit.list({ limit, before, type: options.type, accountId })).map(row);
}
