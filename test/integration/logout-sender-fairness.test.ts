/**
 * The sender's bounds, with the real sender, store and lease but sites that are functions: sites
 * that hold every request until the timeout (dead, or hostile) can't keep a live site from hearing,
 * however many deliveries they are owed. Found by an attacking review: before, four such sites
 * owed 200 deliveries delayed a live site's by 33 s (oldest first, 16 slots, 2.5 s each).
 */
import { createDeliveries, type Delivery } from '../../src/logout-delivery/deliveries.js';
import { SLOW_ATTEMPT_MS, type SendLogout } from '../../src/logout-delivery/sender.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { senderWithFunctionSites } from '../support/delivery-sender.js';

const HANG_MS = 1000;

it('a live site hears at once while dead sites are owed hundreds of deliveries', async () => {
  const storage = createMemoryStorage();
  const deliveries = createDeliveries(storage);
  const dead = ['dead-1', 'dead-2', 'dead-3', 'dead-4', 'dead-5', 'dead-6'];
  let deadInFlight = 0;
  let failedOnce = false;
  let mostAfterFirstFailure = 0;
  const send: SendLogout = async (client) => {
    const { clientId } = client as { clientId: string };
    if (!dead.includes(clientId)) return;
    deadInFlight += 1;
    if (failedOnce) mostAfterFirstFailure = Math.max(mostAfterFirstFailure, deadInFlight);
    await new Promise((resolve) => setTimeout(resolve, HANG_MS));
    deadInFlight -= 1;
    failedOnce = true;
    throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
  };
  const sender = senderWithFunctionSites(storage, deliveries, send, { maxConcurrent: 16, maxPerSite: 4, pollMs: 50 });
  try {
    const giveUpAt = new Date(Date.now() + 3_600_000);
    for (let n = 0; n < 300; n += 1) await deliveries.create({ clientId: dead[n % dead.length]!, accountId: `person-${n}`, sid: `sid-${n}`, giveUpAt });
    // The dead sites fill the slots first and fail once (one timeout) ...
    await sender.tick();
    await new Promise((resolve) => setTimeout(resolve, HANG_MS + 300));
    // ... after which a delivery to a live site goes out within a poll, not after 300 / 16 timeouts.
    const live = await deliveries.create({ clientId: 'live', accountId: 'someone', sid: 'live-sid', giveUpAt });
    for (let waited = 0; (await deliveries.find(live.id))?.state !== 'delivered' && waited < HANG_MS; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await deliveries.find(live.id))?.state).toBe('delivered');
    // Once failing, each dead site is probed one request at a time, and all of them within half the slots.
    expect(mostAfterFirstFailure).toBeLessThanOrEqual(Math.max(dead.length, 8));
  } finally {
    sender.stop();
    await sender.idle();
    await storage.close();
  }
}, 20_000);

/**
 * Sites that answer 200, but slowly (attacker-run apps, each owed many deliveries), while a live
 * site is owed one delivery further on in the walk. Found by an attacking review: sites answering
 * just inside the timeout kept every slot, the poll read its first page again as long as no slot
 * was free, and a delivery beyond that page waited for their whole backlog (61.8 s for 900).
 */
describe('sites that answer, slowly, owed a backlog ahead of a live site', () => {
  const SLOW_SITES = Array.from({ length: 8 }, (_v, n) => `slow-${n}`);
  const owed = (id: string, clientId: string): Delivery => {
    const now = new Date();
    return { id, clientId, accountId: `person-${id}`, sid: `sid-${id}`, state: 'pending', createdAt: now, attempts: 0, nextAttemptAt: now, giveUpAt: new Date(now.getTime() + 3_600_000) };
  };

  async function liveSiteWaits(answerMs: number): Promise<number> {
    const storage = createMemoryStorage();
    const deliveries = createDeliveries(storage);
    const send: SendLogout = async (client) => {
      if (SLOW_SITES.includes((client as { clientId: string }).clientId)) await new Promise((resolve) => setTimeout(resolve, answerMs));
    };
    // Ten pages of the slow sites' deliveries, and the live site's after them all (ids sort so).
    for (let n = 0; n < 400; n += 1) await deliveries.save(owed(`a-${String(n).padStart(4, '0')}`, SLOW_SITES[n % SLOW_SITES.length]!));
    await deliveries.save(owed('z-live', 'live'));
    const sender = senderWithFunctionSites(storage, deliveries, send, { maxConcurrent: 16, maxPerSite: 4, pollMs: 50, pageSize: 40 });
    const started = Date.now();
    try {
      while ((await deliveries.find('z-live'))?.state !== 'delivered' && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 25));
      return Date.now() - started;
    } finally {
      sender.stop();
      await sender.idle();
      await storage.close();
    }
  }

  it('just inside the slow mark: the walk still moves on, and the live site hears within a pass', async () => {
    // Before: the slots stayed full, the first page was read again and again (~14 s here).
    expect(await liveSiteWaits(SLOW_ATTEMPT_MS * 0.6)).toBeLessThan(4_000);
  }, 30_000);

  it('past the slow mark: such sites get one attempt at a time, like failing ones, and the live site hears within a pass', async () => {
    // Before: a slow 200 counted as healthy, and the slots filled again at once (over 20 s here).
    expect(await liveSiteWaits(SLOW_ATTEMPT_MS * 1.2)).toBeLessThan(4_000);
  }, 30_000);
});
