/**
 * The metrics over the deliveries kept (deliveries.ts): how many are still pending, how
 * long the oldest has waited (a site down for long, or a sender that stopped), and how many ended
 * without the site hearing in the last day (settled deliveries are kept a day, so "last day" is
 * all of them). Shown by the Management API (/logout-deliveries/stats) and `admin logouts stats`.
 */
import type { Delivery, DeliveryState } from './deliveries.js';

export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'refused', 'given_up'];

export const isDeliveryState = (value: string): value is DeliveryState => (DELIVERY_STATES as readonly string[]).includes(value);

export interface DeliveryStats {
  pending: number;
  /** Whole seconds since the oldest pending delivery was stored; null when none is pending. */
  oldestPendingAgeSeconds: number | null;
  refusedLastDay: number;
  givenUpLastDay: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function deliveryStats(all: readonly Delivery[], now = new Date()): DeliveryStats {
  const pending = all.filter((delivery) => delivery.state === 'pending');
  // A loop, not Math.min(...spread): a backlog of 100,000+ would overflow the call stack.
  const oldest = pending.reduce((min, delivery) => Math.min(min, delivery.createdAt.getTime()), Number.POSITIVE_INFINITY);
  const settledToday = (state: DeliveryState) => all.filter((delivery) => delivery.state === state && delivery.settledAt && now.getTime() - delivery.settledAt.getTime() <= DAY_MS).length;
  return {
    pending: pending.length,
    oldestPendingAgeSeconds: pending.length === 0 ? null : Math.max(0, Math.floor((now.getTime() - oldest) / 1000)),
    refusedLastDay: settledToday('refused'),
    givenUpLastDay: settledToday('given_up'),
  };
}

/** The deliveries an admin asked for, oldest first (ties by id, so the order is stable for paging). */
export function selectDeliveries(all: readonly Delivery[], filter: { state?: DeliveryState; clientId?: string }): Delivery[] {
  return all
    .filter((delivery) => (filter.state === undefined || delivery.state === filter.state) && (filter.clientId === undefined || delivery.clientId === filter.clientId))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A sortable key in that order (paging.ts pages by a string key). */
export const deliveryKey = (delivery: Delivery) => `${String(delivery.createdAt.getTime()).padStart(15, '0')}.${delivery.id}`;

/** A delivery as the Management API and the admin CLI show it: never its sid (it names a session). */
export const deliveryView = (delivery: Delivery) => ({
  id: delivery.id,
  client_id: delivery.clientId,
  user_id: delivery.accountId,
  state: delivery.state,
  attempts: delivery.attempts,
  created_at: delivery.createdAt.toISOString(),
  ...(delivery.state === 'pending' ? { next_attempt_at: delivery.nextAttemptAt.toISOString() } : {}),
  ...(delivery.lastOutcome !== undefined ? { last_outcome: delivery.lastOutcome } : {}),
  ...(delivery.settledAt ? { settled_at: delivery.settledAt.toISOString() } : {}),
  give_up_at: delivery.giveUpAt.toISOString(),
});
