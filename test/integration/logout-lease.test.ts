/**
 * The back-channel sender's lease across instances, with the real sender, store and lease but a
 * site that is a function. An attempt that outlives its lease (a stalled store, a slow site) must
 * not free the lease another instance took meanwhile: a third could then send the same delivery
 * while the second still is. Nor may its late outcome overwrite what the other instance recorded
 * meanwhile: a refusal over a delivery that arrived, a retry that brings back a settled one.
 */
import { createDeliveries } from '../../src/logout-delivery/deliveries.js';
import type { SendLogout } from '../../src/logout-delivery/sender.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { senderWithFunctionSites } from '../support/delivery-sender.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A site error as oidc-provider's request throws it (the answer's status). */
const answered = (status: number) => Object.assign(new Error(`HTTP ${status}`), { response: { status } });

it('an attempt that outlived its lease leaves the lease another instance took since', async () => {
  const storage = createMemoryStorage();
  const deliveries = createDeliveries(storage);
  // The first send (instance A's) takes 1.6 s, longer than the 1-second lease; the next (B's) 1 s.
  const holds = [1600, 1000];
  let sends = 0;
  const send: SendLogout = async () => {
    const hold = holds[sends] ?? 0;
    sends += 1;
    await sleep(hold);
  };
  const instance = () => senderWithFunctionSites(storage, deliveries, send, { maxConcurrent: 4, maxPerSite: 4, pollMs: 60_000, leaseSeconds: 1 });
  const [a, b, c] = [instance(), instance(), instance()];
  const lease = storage.rateLimiter({ keyPrefix: 'backchannel-lease', points: 1, durationSeconds: 1 });
  try {
    const delivery = await deliveries.create({ clientId: 'slow-site', accountId: 'someone', sid: 'sid-1', giveUpAt: new Date(Date.now() + 3_600_000) });
    const first = a.tick();
    await sleep(1200); // A's lease has lapsed; A is still sending
    const second = b.tick();
    await sleep(100);
    expect(sends).toBe(2); // B took the lapsed lease and is sending
    await first; // A finishes at ~1.6 s, B is still sending
    expect((await lease.get(delivery.id))?.consumedPoints).toBe(1);
    // ... so a third instance can't send it too while B does.
    await c.tick();
    expect(sends).toBe(2);
    await second;
    expect((await deliveries.find(delivery.id))?.state).toBe('delivered');
  } finally {
    for (const sender of [a, b, c]) sender.stop();
    await Promise.all([a.idle(), b.idle(), c.idle()]);
    await storage.close();
  }
}, 20_000);

describe('the late outcome of an attempt that outlived its lease', () => {
  /**
   * Instance A's send takes 1.6 s, longer than the 1-second lease, and then ends as `late` says
   * (undefined: it arrived); instance B takes the lapsed lease at 1.2 s and its send ends at once
   * as `meanwhile` says.
   */
  async function raceWith(late: Error | undefined, meanwhile: Error | undefined, timing = { send: 1600, secondTick: 1200 }, storage: Storage = createMemoryStorage()) {
    const deliveries = createDeliveries(storage);
    let sends = 0;
    const send: SendLogout = async () => {
      sends += 1;
      if (sends === 1) {
        await sleep(timing.send);
        if (late) throw late;
      } else if (meanwhile) throw meanwhile;
    };
    const instance = () => senderWithFunctionSites(storage, deliveries, send, { maxConcurrent: 4, maxPerSite: 4, pollMs: 60_000, leaseSeconds: 1 });
    const [a, b] = [instance(), instance()];
    try {
      const delivery = await deliveries.create({ clientId: 'slow-site', accountId: 'someone', sid: 'sid-1', giveUpAt: new Date(Date.now() + 3_600_000) });
      const first = a.tick();
      await sleep(timing.secondTick);
      await b.tick();
      const before = await deliveries.find(delivery.id);
      await first;
      const audit = await storage.audit.list({ limit: 50 });
      return { sends, before, found: await deliveries.find(delivery.id), pending: await deliveries.pendingPage({ limit: 100 }), recorded: audit.map((entry) => entry.type) };
    } finally {
      for (const sender of [a, b]) sender.stop();
      await Promise.all([a.idle(), b.idle()]);
      await storage.close();
    }
  }

  it('does not turn a delivery that arrived into a refused one', async () => {
    const { sends, before, found, recorded } = await raceWith(answered(400), undefined);
    expect(sends).toBe(2);
    expect(before?.state).toBe('delivered');
    expect(found).toMatchObject({ state: 'delivered', lastOutcome: 'HTTP 2xx', attempts: 1 });
    expect(recorded).toContain('backchannel.delivered');
    expect(recorded).not.toContain('backchannel.refused');
  }, 20_000);

  it('does not bring a delivered one back as pending for another attempt', async () => {
    const { before, found, pending } = await raceWith(answered(503), undefined);
    expect(before?.state).toBe('delivered');
    expect(found).toMatchObject({ state: 'delivered', lastOutcome: 'HTTP 2xx' });
    expect(pending).toEqual([]);
  }, 20_000);

  it('records an arrival over what a later attempt was told (a 400 for a session already gone)', async () => {
    const { before, found, recorded } = await raceWith(undefined, answered(400));
    expect(before?.state).toBe('refused');
    expect(found).toMatchObject({ state: 'delivered', lastOutcome: 'HTTP 2xx' });
    expect(recorded).toContain('backchannel.delivered');
  }, 20_000);

  it('counts the lease from before a store slow to grant it, not from its answer', async () => {
    // A's lease is granted at once but the answer takes 0.5 s; its send then takes 0.6 s, so it
    // ends ~1.1 s after the lease began, past it, though only 0.6 s after the answer.
    const storage = createMemoryStorage();
    let consumes = 0;
    const slowFirstGrant: Storage = {
      ...storage,
      rateLimiter(options) {
        const limiter = storage.rateLimiter(options);
        return {
          get: (key) => limiter.get(key),
          delete: (key) => limiter.delete(key),
          penalty: (key, points) => limiter.penalty(key, points),
          reward: (key, points) => limiter.reward(key, points),
          async consume(key, points) {
            const granted = await limiter.consume(key, points);
            consumes += 1;
            if (consumes === 1) await sleep(500);
            return granted;
          },
        };
      },
    };
    const { before, found, recorded } = await raceWith(answered(400), undefined, { send: 600, secondTick: 1050 }, slowFirstGrant);
    expect(before?.state).toBe('delivered');
    expect(found).toMatchObject({ state: 'delivered', lastOutcome: 'HTTP 2xx' });
    expect(recorded).not.toContain('backchannel.refused');
  }, 20_000);
});
