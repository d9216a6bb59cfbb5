/**
 * The sender's bounds, with the real sender, store and lease but sites that are functions: sites
 * that hold every request until the timeout (dead, or hostile) can't keep a live site from hearing,
 * however many deliveries they are owed. Found by an attacking review: before, four such sites
 * owed 200 deliveries delayed a live site's by 33 s (oldest first, 16 slots, 2.5 s each).
 */
import { createDeliveries } from '../../src/logout-delivery/deliveries.js';
import type { SendLogout } from '../../src/logout-delivery/sender.js';
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
