import { isRefusalOrFailure } from '../../security/event-kinds.js';
import type { AuditEvent, AuditRepository } from '../types.js';

/** The newest events only: one process's memory can't keep a long trail, so the oldest go first. */
export const MEMORY_AUDIT_CAPACITY = 10_000;

/** The order of the contract (types.ts AuditRepository): at, then id, both descending. */
const newestFirst = (a: AuditEvent, b: AuditEvent) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Two rings of `capacity` each: refusals and failures (what a stranger can cause at will, from
 * as many addresses as they have) and everything else, so a flood of refusals pushes out only
 * older refusals, never a sign-in or an admin's change.
 */
export function createMemoryAudit(capacity = MEMORY_AUDIT_CAPACITY, now: () => number = Date.now): AuditRepository {
  type Kept = { event: AuditEvent; expiresAt: number };
  const rings: { refusals: Kept[]; rest: Kept[] } = { refusals: [], rest: [] };
  return {
    async append(event, retentionSeconds) {
      const ring = isRefusalOrFailure(event.type) ? 'refusals' : 'rest';
      rings[ring].push({ event: structuredClone(event), expiresAt: now() + retentionSeconds * 1000 });
      if (rings[ring].length > capacity) rings[ring] = rings[ring].slice(rings[ring].length - capacity);
    },
    async list({ limit, before, beforeId, type, accountId }) {
      // As in MongoDB: a cursor id that is not a string matches nothing.
      if (beforeId !== undefined && typeof beforeId !== 'string') return [];
      const at = now();
      const older = (event: AuditEvent) => {
        if (!before) return true;
        const time = event.at.getTime();
        return time < before.getTime() || (time === before.getTime() && beforeId !== undefined && event.id < beforeId);
      };
      // Appended order is not quite time order (ids break ties, clocks of instances differ), so the
      // matching events are sorted; the capacity bounds the work.
      const found = [...rings.refusals, ...rings.rest]
        .filter(({ event, expiresAt }) => {
          if (expiresAt <= at || !older(event)) return false;
          // A filter that is given must match exactly (a non-string matches nothing), as in MongoDB.
          return !((type !== undefined && event.type !== type) || (accountId !== undefined && event.accountId !== accountId));
        })
        .map(({ event }) => event)
        .sort(newestFirst)
        .slice(0, Math.max(0, limit));
      return found.map((event) => structuredClone(event));
    },
  };
}
