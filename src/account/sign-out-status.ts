/**
 * What the account page says about the person's recent sign-outs, per app: whether the app has
 * heard (the back-channel logout arrived), is still being told (retrying, see
 * logout-delivery/sender.ts), or could not be told (it refused the logout, or the IdP gave up).
 * Only the latest delivery per app counts: an older one it since heard of says nothing now.
 * Settled deliveries are kept a day (logout-delivery/deliveries.ts), so this covers the last day.
 */
import type { Delivery } from '../logout-delivery/deliveries.js';

export type SignOutStatus = 'signed_out' | 'pending' | 'not_told';

export interface AppSignOut {
  clientId: string;
  status: SignOutStatus;
  /** When the sign-out happened (the delivery was stored). */
  at: Date;
}

const STATUS: Record<Delivery['state'], SignOutStatus> = { pending: 'pending', delivered: 'signed_out', refused: 'not_told', given_up: 'not_told' };

/** The latest delivery per app, newest first. */
export function signOutsPerApp(deliveries: readonly Delivery[]): AppSignOut[] {
  const latest = new Map<string, Delivery>();
  for (const delivery of deliveries) {
    const seen = latest.get(delivery.clientId);
    if (!seen || delivery.createdAt > seen.createdAt) latest.set(delivery.clientId, delivery);
  }
  return [...latest.values()]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map((delivery) => ({ clientId: delivery.clientId, status: STATUS[delivery.state], at: delivery.createdAt }));
}
