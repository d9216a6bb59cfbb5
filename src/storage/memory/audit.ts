import { isRefusalOrFailure } from '../../security/event-kinds.js';
import type { AuditEvent, AuditRepository } from '../types.js';

/** The newest events only: one process's memory can't keep a long trail, so the oldest go first. */
export const MEMORY_AUDIT_CAPACITY = 10_000;

/** The order of the contract (types.ts AuditRepository): at, then id, both descending. */
const newestFirst = (a: AuditEvent, b: AuditEvent) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

type Kept = { event: AuditEvent; expiresAt: number };

/**
 * A copy callers may change without changing the trail, by hand rather than structuredClone: an
 * event is flat but for its Date and one level of detail, and every sign-in appends one, where
 * structuredClone's serialize-and-rebuild was ~40 µs of a sign-in's event loop in a running
 * server (issue 10).
 */
function copyEvent(event: AuditEvent): AuditEvent {
  const copy: AuditEvent = { ...event, at: new Date(event.at.getTime()) };
  if (event.detail) copy.detail = { ...event.detail };
  return copy;
}

/**
 * The newest `capacity` items. A full ring writes over its oldest item in place: trimming an array
 * by copying it (as before) copied all 10,000 events on every event once the trail was full, which
 * a long-running IdP reaches after 10,000 sign-ins (issue 10).
 */
function createRing<T>(capacity: number): { add(item: T): void; readonly items: readonly T[] } {
  // A whole number of slots (NaN keeps nothing), as the slicing before it allowed any number.
  const slots = Math.max(0, Math.floor(capacity) || 0);
  const items: T[] = [];
  let oldest = 0;
  return {
    add(item) {
      if (slots === 0) return;
      if (items.length < slots) {
        items.push(item);
        return;
      }
      items[oldest] = item;
      oldest = (oldest + 1) % slots;
    },
    items,
  };
}

/**
 * Two rings of `capacity` each: refusals and failures (what a stranger can cause at will, from
 * as many addresses as they have) and everything else, so a flood of refusals pushes out only
 * older refusals, never a sign-in or an admin's change.
 */
export function createMemoryAudit(capacity = MEMORY_AUDIT_CAPACITY, now: () => number = Date.now): AuditRepository {
  const rings = { refusals: createRing<Kept>(capacity), rest: createRing<Kept>(capacity) };
  return {
    async append(event, retentionSeconds) {
      rings[isRefusalOrFailure(event.type) ? 'refusals' : 'rest'].add({ event: copyEvent(event), expiresAt: now() + retentionSeconds * 1000 });
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
      const found = [...rings.refusals.items, ...rings.rest.items]
        .filter(({ event, expiresAt }) => {
          if (expiresAt <= at || !older(event)) return false;
          // A filter that is given must match exactly (a non-string matches nothing), as in MongoDB.
          return !((type !== undefined && event.type !== type) || (accountId !== undefined && event.accountId !== accountId));
        })
        .map(({ event }) => event)
        .sort(newestFirst)
        .slice(0, Math.max(0, limit));
      return found.map(copyEvent);
    },
  };
}
