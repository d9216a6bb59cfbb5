/**
 * `logouts list | stats` on the store (--direct): the back-channel logouts the IdP owes or made in
 * the last day (logout-delivery/deliveries.ts), never their sid (it names an IdP session).
 */
import type { DeliveryState } from '../logout-delivery/deliveries.js';
import { DELIVERY_STATES, deliveryStats, deliveryView, isDeliveryState, selectDeliveries, type DeliveryStats } from '../logout-delivery/delivery-stats.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import type { Row } from './output.js';

export const LOGOUT_COLUMNS = ['id', 'client_id', 'user_id', 'state', 'attempts', 'created_at', 'next_attempt_at', 'last_outcome', 'settled_at'];
export const LOGOUT_STATS_COLUMNS = ['pending', 'oldest_pending_age_seconds', 'refused_last_day', 'given_up_last_day'];

export interface LogoutListOptions {
  state?: DeliveryState;
  clientId?: string;
}

/** --state, checked the same way over HTTP and on the store. */
export function logoutListOptions(state: string | undefined, clientId: string | undefined): LogoutListOptions {
  if (state !== undefined && !isDeliveryState(state)) throw new UsageError(`--state "${state}" is not one of ${DELIVERY_STATES.join(', ')}`);
  return { state, clientId };
}

export const statsRow = (stats: DeliveryStats): Row => ({
  pending: stats.pending,
  oldest_pending_age_seconds: stats.oldestPendingAgeSeconds,
  refused_last_day: stats.refusedLastDay,
  given_up_last_day: stats.givenUpLastDay,
});

export async function listLogouts(ctx: AdminContext, options: LogoutListOptions): Promise<Row[]> {
  return selectDeliveries(await ctx.idp.deliveries.list(), options).map(deliveryView);
}

export async function logoutStats(ctx: AdminContext): Promise<Row[]> {
  return [statsRow(deliveryStats(await ctx.idp.deliveries.list()))];
}
