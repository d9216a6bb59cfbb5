import type { Delivery } from '../../src/logout-delivery/deliveries.js';
import { deliveryStats, selectDeliveries } from '../../src/logout-delivery/delivery-stats.js';
import { signOutsPerApp } from '../../src/account/sign-out-status.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, seconds));
const delivery = (id: string, clientId: string, state: Delivery['state'], created: number, settled?: number): Delivery => ({
  id,
  clientId,
  accountId: 'alice',
  state,
  createdAt: at(created),
  attempts: 1,
  nextAttemptAt: at(created + 1),
  giveUpAt: at(created + 3600),
  ...(settled !== undefined ? { settledAt: at(settled) } : {}),
});

describe('signOutsPerApp', () => {
  it('keeps the latest delivery per app, newest first, in words of heard, pending and not told', () => {
    const perApp = signOutsPerApp([
      delivery('1', 'site-b', 'given_up', 0, 5),
      delivery('2', 'site-b', 'pending', 10),
      delivery('3', 'site-a', 'delivered', 9, 9),
      delivery('4', 'notes', 'refused', 1, 1),
    ]);
    expect(perApp.map(({ clientId, status }) => [clientId, status])).toEqual([
      ['site-b', 'pending'],
      ['site-a', 'signed_out'],
      ['notes', 'not_told'],
    ]);
  });
});

describe('signOutsPerApp, one sign-out telling an app once per session', () => {
  it('says signed out only when every delivery of that sign-out arrived, whatever order they are read in', () => {
    const laptop = delivery('1', 'site-b', 'delivered', 0, 1);
    const phone = delivery('2', 'site-b', 'given_up', 0, 2);
    for (const order of [[laptop, phone], [phone, laptop]]) expect(signOutsPerApp(order).map(({ status }) => status)).toEqual(['not_told']);
    expect(signOutsPerApp([laptop, delivery('3', 'site-b', 'pending', 0)]).map(({ status }) => status)).toEqual(['pending']);
  });
});

describe('deliveryStats over a large backlog', () => {
  it('counts 200,000 pending deliveries without overflowing the stack', () => {
    const backlog = Array.from({ length: 200_000 }, (_, n) => delivery(String(n), 'site-b', 'pending', n % 30));
    expect(deliveryStats(backlog, at(40))).toMatchObject({ pending: 200_000, oldestPendingAgeSeconds: 40 });
  });
});

describe('deliveryStats', () => {
  it('counts pending, the oldest pending age in whole seconds, and failures of the last day only', () => {
    const now = at(30);
    const stats = deliveryStats(
      [delivery('1', 'a', 'pending', 10), delivery('2', 'b', 'pending', 20), delivery('3', 'c', 'refused', 0, 1), delivery('4', 'd', 'given_up', 0, 2), delivery('5', 'e', 'delivered', 0, 3)],
      now,
    );
    expect(stats).toEqual({ pending: 2, oldestPendingAgeSeconds: 20, refusedLastDay: 1, givenUpLastDay: 1 });
    expect(deliveryStats([delivery('3', 'c', 'refused', 0, 1)], new Date(at(1).getTime() + 25 * 3600 * 1000))).toEqual({ pending: 0, oldestPendingAgeSeconds: null, refusedLastDay: 0, givenUpLastDay: 0 });
  });
});

describe('selectDeliveries', () => {
  it('filters by state and client, oldest first', () => {
    const all = [delivery('x', 'a', 'pending', 5), delivery('y', 'b', 'pending', 1), delivery('z', 'a', 'delivered', 0, 0)];
    expect(selectDeliveries(all, {}).map((d) => d.id)).toEqual(['z', 'y', 'x']);
    expect(selectDeliveries(all, { state: 'pending', clientId: 'a' }).map((d) => d.id)).toEqual(['x']);
  });
});
