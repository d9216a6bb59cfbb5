import type { Connection, Model } from 'mongoose';
import type { AuditEvent, AuditRepository } from '../types.js';
import { ourCondition } from './conditions.js';
import { modelOn } from './model.js';
import { guard } from './outage.js';
import { auditSchema, COLLECTIONS } from './schemas.js';

interface AuditDoc extends Omit<AuditEvent, 'id'> {
  _id: string;
  expiresAt: Date;
}

export const auditModel = (connection: Connection): Model<AuditDoc> => modelOn(connection, 'AuditEvent', auditSchema, COLLECTIONS.audit);

export function createMongoAudit(connection: Connection): AuditRepository {
  const Events = auditModel(connection);
  return {
    append: ({ id, ...event }, retentionSeconds) =>
      guard(async () => {
        await Events.create({ ...event, _id: id, expiresAt: new Date(event.at.getTime() + retentionSeconds * 1000) });
      }),
    list: ({ limit, before, beforeId, type, accountId }) =>
      guard(async () => {
        // Every value is checked to be a string or Date first: nothing a caller passes becomes an
        // operator, and a filter given as anything else matches nothing (as in the memory store).
        if ((type !== undefined && typeof type !== 'string') || (accountId !== undefined && typeof accountId !== 'string') || (beforeId !== undefined && typeof beforeId !== 'string')) return [];
        const filter: Record<string, unknown> = { expiresAt: ourCondition({ $gt: new Date() }) };
        if (before instanceof Date && beforeId !== undefined) {
          // A cursor (at, id): older events, or those at the same moment with a lower id.
          filter.$or = [{ at: ourCondition({ $lt: before }) }, { at: before, _id: ourCondition({ $lt: beforeId }) }];
        } else if (before instanceof Date) {
          filter.at = ourCondition({ $lt: before });
        }
        if (type !== undefined) filter.type = type;
        if (accountId !== undefined) filter.accountId = accountId;
        const docs = await Events.find(filter).sort({ at: -1, _id: -1 }).limit(Math.max(1, Math.min(limit, 1000))).lean<AuditDoc[]>();
        return docs.map(({ _id, expiresAt: _expiresAt, ...rest }) => ({ ...rest, id: _id }) as AuditEvent);
      }),
  };
}
