/**
 * What the account page says about the person's recent sign-outs, per app: whether the app has
 * heard (the back-channel logout arrived), is still being told (retrying, see
 * logout-delivery/sender.ts), or could not be told (it refused the logout, or the IdP gave up).
 * Per app, the deliveries of its latest sign-out count together (sign out everywhere tells an app
 * once per session, all at the same moment): pending while any is, not told if any failed, signed
 * out only when every one arrived. An older sign-out it since heard of says nothing now.
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

/** Deliveries stored within this of an app's latest one belong to the same sign-out. */
const SAME_SIGN_OUT_MS = 5000;
const WORST_FIRST: SignOutStatus[] = ['pending', 'not_told', 'signed_out'];

/** Per app, the outcome of its latest sign-out, newest first. */
export function signOutsPerApp(deliveries: readonly Delivery[]): AppSignOut[] {
  const byApp = new Map<string, Delivery[]>();
  for (const delivery of deliveries) byApp.set(delivery.clientId, [...(byApp.get(delivery.clientId) ?? []), delivery]);
  return [...byApp.entries()]
    .map(([clientId, all]) => {
      const latest = Math.max(...all.map((delivery) => delivery.createdAt.getTime()));
      const statuses = new Set(all.filter((delivery) => latest - delivery.createdAt.getTime() <= SAME_SIGN_OUT_MS).map((delivery) => STATUS[delivery.state]));
      return { clientId, status: WORST_FIRST.find((status) => statuses.has(status))!, at: new Date(latest) };
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}
