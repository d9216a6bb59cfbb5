/**
 * The back-channel sender's poll reads a page of the pending deliveries, not the whole backlog: a
 * site down for hours under heavy sign-out traffic must not make every poll of every instance read
 * (and parse) everything owed. The real sender, store and lease; sites that are functions.
 */
import { createDeliveries } from '../../src/logout-delivery/deliveries.js';
import { SLOW_ATTEMPT_MS, type SendLogout } from '../../src/logout-delivery/sender.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { OidcModelStore, Storage } from '../../src/storage/types.js';
import { owed, senderWithFunctionSites } from '../support/delivery-sender.js';

/** The storage, with the most pending-delivery records any one read handed out. */
function countingReads(storage: Storage) {
  const counted = { most: 0 };
  const count = <T extends unknown[]>(records: T) => {
    counted.most = Math.max(counted.most, records.length);
    return records;
  };
  const wrapped: Storage = Object.create(storage, {
    modelStore: {
      value: (model: string): OidcModelStore => {
        const store = storage.modelStore(model);
        if (model !== 'BackchannelDelivery') return store;
        return { ...store, list: async () => count(await store.list()), page: async (query) => count(await store.page(query)) };
      },
    },
  });
  return { storage: wrapped, counted };
}

/**
 * What a test started, stopped after it: held sends released first (an idle sender waits for
 * them), then senders stopped and stores closed, the last started first.
 */
const releases: (() => void)[] = [];
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  for (const stop of stops.splice(0).reverse()) await stop();
});
const freshStore = () => {
  const memory = createMemoryStorage();
  stops.push(() => memory.close());
  return memory;
};
const started = <S extends { stop(): void; idle(): Promise<void> }>(sender: S) => {
  stops.push(async () => {
    sender.stop();
    await sender.idle();
  });
  return sender;
};

/** A promise that settles when `release` is called (or the test ends). */
function held() {
  let release: () => void = () => undefined;
  const until = new Promise<void>((resolve) => {
    release = resolve;
  });
  releases.push(() => release());
  return { until, release: () => release() };
}

it('reads a page a poll and goes on past pages it could not start anything from, to the last one', async () => {
  const memory = freshStore();
  const { storage, counted } = countingReads(memory);
  const deliveries = createDeliveries(storage);
  // A site that holds every request (down behind a proxy that never answers): while its one
  // probe is in flight, nothing else of it can start.
  const hang = held();
  const arrived: string[] = [];
  const send: SendLogout = async (client, accountId) => {
    if ((client as { clientId: string }).clientId === 'down') return hang.until;
    arrived.push(accountId);
  };
  const sender = started(senderWithFunctionSites(storage, deliveries, send, { maxConcurrent: 16, maxPerSite: 1, pollMs: 60_000, pageSize: 10 }));
  // 50 owed to the site that hangs, sorting before the one owed to a site that answers.
  for (let n = 0; n < 50; n += 1) await deliveries.save(owed(`a${String(n).padStart(3, '0')}`, 'down'));
  await deliveries.save(owed('zz-live', 'live'));
  const ticks: Promise<void>[] = [];
  // Pages of 10: the live site's delivery is on the sixth.
  for (let poll = 1; poll <= 6 && arrived.length === 0; poll += 1) {
    ticks.push(sender.tick());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(arrived).toEqual(['person-zz-live']);
  expect(counted.most).toBeLessThanOrEqual(10);
  hang.release();
  await Promise.all(ticks);
});

it('comes round to the first page again, so a retry that falls due is tried on a later pass', async () => {
  const memory = freshStore();
  const deliveries = createDeliveries(memory);
  let refusals = 1;
  const attempts: string[] = [];
  const send: SendLogout = async (_client, accountId) => {
    attempts.push(accountId);
    // The first attempt of all meets a site briefly down.
    if (refusals-- > 0) throw Object.assign(new Error('HTTP 503'), { response: { status: 503 } });
  };
  const sender = started(senderWithFunctionSites(memory, deliveries, send, { maxConcurrent: 16, maxPerSite: 16, pollMs: 60_000, pageSize: 2 }));
  for (const id of ['a', 'b', 'c', 'd', 'e']) await deliveries.save(owed(id, 'site'));
  // Three pages (a b, c d, e): one pass tries each once; 'a' is then owed a retry in ~1 s.
  for (let poll = 0; poll < 3; poll += 1) await sender.tick();
  expect(attempts).toEqual(['person-a', 'person-b', 'person-c', 'person-d', 'person-e']);
  expect((await deliveries.find('a'))?.state).toBe('pending');
  // After the retry delay (1 s +-20%), the next pass starts from the first page again.
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  await sender.tick();
  expect(attempts.at(-1)).toBe('person-a');
  expect((await deliveries.find('a'))?.state).toBe('delivered');
});

it('polls on while attempts it started still hang: a site that never answers does not slow the walk', async () => {
  const memory = freshStore();
  const deliveries = createDeliveries(memory);
  const hang = held();
  let pagesRead = 0;
  const counting = { ...deliveries, pendingPage: (query: { limit: number; after?: string }) => ((pagesRead += 1), deliveries.pendingPage(query)) };
  const send: SendLogout = async (client) => {
    if ((client as { clientId: string }).clientId === 'down') await hang.until;
  };
  // The real timer: a poll every 20 ms, pages of 10.
  started(senderWithFunctionSites(memory, counting, send, { maxConcurrent: 16, maxPerSite: 1, pollMs: 20, pageSize: 10 }));
  for (let n = 0; n < 120; n += 1) await deliveries.save(owed(`a${String(n).padStart(3, '0')}`, 'down'));
  await deliveries.save(owed('zz-live', 'live'));
  // Thirteen pages; the first poll's probe of the site that is down never ends.
  for (let waited = 0; (await deliveries.find('zz-live'))?.state !== 'delivered' && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  expect((await deliveries.find('zz-live'))?.state).toBe('delivered');
  expect(pagesRead).toBeGreaterThanOrEqual(13);
}, 20_000);

it('reads a page again while every slot is taken, rather than passing over what waited only for a slot', async () => {
  const memory = freshStore();
  const deliveries = createDeliveries(memory);
  const slow = held();
  const arrived: string[] = [];
  const send: SendLogout = async (client, accountId) => {
    if ((client as { clientId: string }).clientId === 'slow') await slow.until;
    arrived.push(accountId);
  };
  const sender = started(senderWithFunctionSites(memory, deliveries, send, { maxConcurrent: 2, maxPerSite: 2, pollMs: 60_000, pageSize: 2 }));
  // Pages of two: a b (a slow site), c d (a site that answers), then twenty pages not due yet.
  for (const id of ['a', 'b']) await deliveries.save(owed(id, 'slow'));
  for (const id of ['c', 'd']) await deliveries.save(owed(id, 'quick'));
  for (let n = 0; n < 40; n += 1) await deliveries.save(owed(`e${String(n).padStart(2, '0')}`, 'quick', 3_600_000));
  const first = sender.tick(); // a and b take both slots
  await new Promise((resolve) => setTimeout(resolve, 50));
  await sender.tick(); // c and d: no slot
  expect(arrived).toEqual([]);
  slow.release();
  await first;
  await sender.tick(); // the same page again, now with slots
  expect(arrived).toEqual(['person-a', 'person-b', 'person-c', 'person-d']);
});

it('starts each instance\'s walk at a place of its own, so instances don\'t read the same pages in step', async () => {
  const memory = freshStore();
  const deliveries = createDeliveries(memory);
  const firstReads: (string | undefined)[] = [];
  const senders = [0, 1].map(() => {
    let first = true;
    const watching = {
      ...deliveries,
      pendingPage: (query: { limit: number; after?: string }) => {
        if (first) firstReads.push(query.after);
        first = false;
        return deliveries.pendingPage(query);
      },
    };
    return started(senderWithFunctionSites(memory, watching, async () => undefined, { maxConcurrent: 4, maxPerSite: 4, pollMs: 60_000, startAfter: undefined }));
  });
  for (const sender of senders) await sender.tick();
  expect(firstReads).toEqual([expect.stringMatching(/^[\w-]{16}$/), expect.stringMatching(/^[\w-]{16}$/)]);
  expect(firstReads[0]).not.toBe(firstReads[1]);
});

it('treats a site holding an attempt for SLOW_ATTEMPT_MS as failing: no more attempts to it until that one ends', async () => {
  const memory = freshStore();
  const deliveries = createDeliveries(memory);
  const hang = held();
  let inFlight = 0;
  let most = 0;
  const send: SendLogout = async () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await hang.until;
    inFlight -= 1;
  };
  const sender = started(senderWithFunctionSites(memory, deliveries, send, { maxConcurrent: 16, maxPerSite: 4, pollMs: 60_000 }));
  await deliveries.save(owed('a', 'hanging'));
  const first = sender.tick();
  await new Promise((resolve) => setTimeout(resolve, SLOW_ATTEMPT_MS + 200));
  for (const id of ['b', 'c', 'd']) await deliveries.save(owed(id, 'hanging'));
  // The site has not failed yet (its one attempt still hangs), but it is held past the mark.
  const second = sender.tick();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(most).toBe(1);
  hang.release();
  await Promise.all([first, second]);
});
