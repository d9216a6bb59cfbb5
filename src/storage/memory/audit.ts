import type { AuditEvent, AuditRepository } from '../types.js';

/** The newest events only: one process's memory can't keep a long trail, so the oldest go first. */
export const MEMORY_AUDIT_CAPACITY = 10_000;

export function createMemoryAudit(capacity = MEMORY_AUDIT_CAPACITY, now: () => number = Date.now): AuditRepository {
  let events: { event: AuditEvent; expiresAt: number }[] = [];
  return {
    async append(event, retentionSeconds) {
      events.push({ event: structuredClone(event), expiresAt: now() + retentionSeconds * 1000 });
      if (events.length > capacity) events = events.slice(events.length - capacity);
    },
    async list({ limit, before, type, accountId }) {
      const at = now();
      const found: AuditEvent[] = [];
      for (let index = events.length - 1; index >= 0 && found.length < limit; index -= 1) {
        const { event, expiresAt } = events[index]!;
        if (expiresAt <= at) continue;
        if (before && event.at >= before) continue;
        // A filter that is given must match exactly (a non-string matches nothing), as in MongoDB.
        if ((type !== undefined && event.type !== type) || (accountId !== undefined && event.accountId !== accountId)) continue;
        found.push(structuredClone(event));
      }
      return found;
    },
  };
}
