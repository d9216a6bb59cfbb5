/**
 * Sends the back-channel logouts in the store (deliveries.ts) until each arrives, is refused, or is
 * no longer worth sending:
 * - a 200/204 is delivered; a 4xx other than 429 is the site refusing that token, recorded and not
 *   retried (a new token would be refused alike), as is an address the SSRF guard refuses; anything else (connection refused, the 2.5 s
 *   timeout oidc-provider sets on every outgoing request, 5xx, 429) is retried after 1 s, 2 s,
 *   4 s ... capped at 5 minutes, each with +-20% jitter so a site coming back is not hit by every
 *   delivery at the same instant;
 * - every attempt is oidc-provider's own Client#backchannelLogout, which signs a fresh logout
 *   token (new jti, iat, exp), so a late retry is never refused as stale or as a replay;
 * - at most `maxConcurrent` requests at once per IdP instance, and `maxPerSite` to one site, the
 *   last quarter of the slots kept for sites with no request in flight; a
 *   site whose last attempt failed gets one request at a time (a probe), and all such sites
 *   together at most half the slots, so sites that are down (or that hold every request until the
 *   timeout, on purpose or not) never take the slots of the sites that answer; due deliveries are
 *   taken in turn across sites, not oldest first overall. Nobody waits for them: the
 *   person's sign-out page returned when the delivery was stored;
 * - each poll reads one page of the pending deliveries (POLL_PAGE_SIZE), the next poll the page
 *   after it (or, once, the same page when every slot was taken), round and round: never the
 *   whole backlog at once; polls don't wait for the attempts they started;
 * - several IdP instances share the work: an attempt first takes a lease on the delivery, an
 *   atomic counter in the store (the rate limiter's, one point per lease period), so no two
 *   instances send the same delivery at once; the holder re-reads the delivery before sending, so a
 *   lease freed by a finished attempt is never taken for a stale copy. An attempt that outlived its
 *   lease (a stalled store or site) writes its outcome only if the delivery is still as it read
 *   it: another instance may have taken the lapsed lease and settled it or moved its retries on
 *   since, and a late refusal must not overwrite a delivery that arrived. A late arrival is
 *   written over anything but another arrival. The check and the write are two steps, not one
 *   atomic one: an outcome written between them can still be overwritten.
 */
import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Logger } from '../logger.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { Storage } from '../storage/types.js';
import type { Deliveries, Delivery } from './deliveries.js';

/** The unpatched sender of one provider (hook.ts keeps it when it puts the queue in its place). */
export type SendLogout = (client: object, accountId: string, sid: string | undefined) => Promise<void>;

export interface DeliverySender {
  /** Tries this delivery now (after it was stored), without waiting for the next poll. */
  attemptSoon(delivery: Pick<Delivery, 'id' | 'clientId'>): void;
  /** One poll (a page of the pending deliveries); resolves when its attempts finish (tests). */
  tick(now?: Date): Promise<void>;
  /** Attempts in flight: awaited on shutdown. */
  idle(): Promise<void>;
  stop(): void;
}

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 5 * 60 * 1000;
/** Longer than one attempt can take (oidc-provider's 2.5 s request timeout, the store writes). */
const LEASE_SECONDS = 30;
/**
 * Pending deliveries one poll reads. A backlog larger than this (a site down for hours under
 * heavy sign-out traffic) is read a page per poll, so each poll costs the same whatever the
 * backlog; a due retry then waits about one pass over it for its turn (a backlog of 100,000:
 * 200 polls, 100 s, against retries 1 s to 5 minutes apart anyway), longer only while every
 * slot is busy. A new delivery is tried at once, without waiting for a poll, whenever a slot is
 * free.
 */
export const POLL_PAGE_SIZE = 500;
/** Sites with a new delivery kept waiting for a free slot (the oldest pushed out first). */
const MAX_WAITING = 100;
/** Sites whose last attempt the sender remembers the time of (the least recent forgotten first). */
const MAX_SITES_REMEMBERED = 10_000;
/** An attempt running this long marks its site as failing for new attempts (a site that answers takes milliseconds). */
export const SLOW_ATTEMPT_MS = 1000;

/** The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s ... capped, +-20%. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The delivery is still pending as it was read: nobody settled it or moved its retries on since. */
function unchanged(read: Delivery, now: Delivery | undefined): boolean {
  return now !== undefined && now.state === 'pending' && now.attempts === read.attempts && now.nextAttemptAt.getTime() === read.nextAttemptAt.getTime();
}

/** What an attempt's failure says, and whether another attempt could do better. */
export function classify(error: unknown): { outcome: string; retry: boolean } {
  const status = (error as { response?: { status?: unknown } }).response?.status;
  // oidc-provider counts 200 and 204 as arrived; anything else but 429 and 5xx (a 202, a redirect,
  // a 4xx) is the site's answer to that URI, which another attempt would get again.
  if (typeof status === 'number') return { outcome: `HTTP ${status}`, retry: status === 429 || status >= 500 };
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return { outcome: 'timeout', retry: true };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const message = typeof cause?.message === 'string' ? cause.message : '';
  // The SSRF guard (oidc/outgoing-fetch.ts, oidc-provider's dispatcher): it will refuse every time.
  if (/special-use IP address|refused before connecting/.test(message)) return { outcome: message.slice(0, 100), retry: false };
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return { outcome: 'connection refused', retry: true };
  return { outcome: code ?? (message.slice(0, 100) || 'network error'), retry: true };
}

export function createDeliverySender(deps: {
  deliveries: Deliveries;
  storage: Storage;
  provider: () => Provider;
  send: (provider: Provider) => SendLogout | undefined;
  events: SecurityEvents;
  logger: Logger;
  maxConcurrent: number;
  maxPerSite: number;
  pollMs: number;
  /** The lease's length (tests shorten it). */
  leaseSeconds?: number;
  /** Pending deliveries read per poll (tests shorten it). */
  pageSize?: number;
  /** Where the first poll starts reading (after this id); a random place unless given (tests). */
  startAfter?: string;
}): DeliverySender {
  const { deliveries, logger, events } = deps;
  const leaseMs = (deps.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const lease = deps.storage.rateLimiter({ keyPrefix: 'backchannel-lease', points: 1, durationSeconds: leaseMs / 1000 });
  const inFlight = new Map<string, { clientId: string; running: Promise<void>; startedAt: number }>();
  const toSite = (clientId: string) => [...inFlight.values()].filter((entry) => entry.clientId === clientId).length;
  /** Sites whose last attempt here failed (down, hanging, erroring): one probe at a time each. Bounded by the sites with deliveries. */
  const failing = new Set<string>();
  /**
   * Failing, or holding an attempt longer than a site that answers would: polls go on while
   * attempts run, so a site that hangs is treated as failing before its first timeout comes back,
   * and gets no more attempts meanwhile than a failing one.
   */
  const suspect = (clientId: string, now = Date.now()) =>
    failing.has(clientId) || [...inFlight.values()].some((entry) => entry.clientId === clientId && now - entry.startedAt >= SLOW_ATTEMPT_MS);
  const toFailingSites = () => [...inFlight.values()].filter((entry) => suspect(entry.clientId)).length;
  let stopped = false;
  /** The slots from this many on are kept for sites with no attempt in flight (start) found by polls (startWaiting). */
  const reservedFrom = deps.maxConcurrent - Math.floor(deps.maxConcurrent / 4);
  /**
   * New deliveries that found every slot taken, one per site (by client id): each slot that frees
   * goes to them before the next poll can give it to a backlog (sites owed thousands, answering just inside the
   * timeout, took every slot at every poll, and a new delivery then waited for the walk to reach
   * its page with a slot free: 40-120 s in an attacking review). Bounded; one pushed out is still
   * found by the polls.
   */
  const waiting = new Map<string, Pick<Delivery, 'id' | 'clientId'>>();
  function startWaiting(): void {
    if (waiting.size === 0) return;
    // One per site, the least recently served site first: a flood of new deliveries to many sites
    // (an attacker's sign-out everywhere) must not hold the freed slots ahead of everyone else's
    // retries and new deliveries (a review of this list, first in first out: 22 s and more).
    const bySite = [...waiting.values()].sort((a, b) => (lastServed.get(a.clientId) ?? -1) - (lastServed.get(b.clientId) ?? -1));
    for (const delivery of bySite) {
      // The reserved quarter stays for the polls, where the retries due are found.
      if (inFlight.size >= reservedFrom) return;
      const outcome = start(delivery);
      if (outcome === 'no-slot') {
        if (inFlight.size >= deps.maxConcurrent) return;
        continue; // only the reserved slots are free, and this site has an attempt in flight
      }
      waiting.delete(delivery.clientId);
    }
  }
  /** In which order sites last had an attempt started (a count), least recent first; bounded by MAX_SITES_REMEMBERED. */
  const lastServed = new Map<string, number>();
  let starts = 0;
  const served = (clientId: string) => {
    lastServed.delete(clientId);
    lastServed.set(clientId, (starts += 1));
    if (lastServed.size > MAX_SITES_REMEMBERED) lastServed.delete(lastServed.keys().next().value!);
  };

  async function settle(delivery: Delivery, state: 'delivered' | 'refused' | 'given_up', outcome: string, now: Date) {
    await deliveries.save({ ...delivery, state, lastOutcome: outcome, settledAt: now });
    const detail = { attempts: delivery.attempts, outcome };
    await events.record({ type: `backchannel.${state}`, clientId: delivery.clientId, accountId: delivery.accountId, detail });
    logger.info(`backchannel.${state}`, { client_id: delivery.clientId, ...detail });
  }

  async function retryLater(attempted: Delivery, outcome: string): Promise<void> {
    const after = new Date();
    const nextAttemptAt = new Date(after.getTime() + retryDelayMs(attempted.attempts));
    if (nextAttemptAt > attempted.giveUpAt) return settle(attempted, 'given_up', outcome, after);
    await deliveries.save({ ...attempted, lastOutcome: outcome, nextAttemptAt });
    logger.info('backchannel.retrying', { client_id: attempted.clientId, attempts: attempted.attempts, outcome, next_attempt_at: nextAttemptAt.toISOString() });
  }

  async function attempt(id: string): Promise<void> {
    // Before asking: the lease runs from when the store took the point, and a store slow to
    // answer must not make a lease that lapsed meanwhile look like ours.
    const leasedAt = Date.now();
    try {
      await lease.consume(id);
    } catch {
      return; // another instance (or attempt) holds it
    }
    // A margin of a fifth of the lease covers the clocks of the two reads.
    const surelyStillOurs = () => Date.now() - leasedAt < leaseMs * 0.8;
    try {
      const delivery = await deliveries.find(id);
      const now = new Date();
      if (!delivery || delivery.state !== 'pending' || delivery.nextAttemptAt > now) return;
      /**
       * Writes this attempt's outcome (`attempts` counted), unless the lease lapsed and the
       * delivery has moved on since it was read. An arrival is written over anything but another
       * arrival: the site has the logout, whatever a later attempt was told (a 400 for a session
       * that is gone by then).
       */
      const record = async (outcome: string, attempts: number, write: () => Promise<void>, arrived = false) => {
        if (!surelyStillOurs()) {
          const stored = await deliveries.find(id);
          const stands = arrived ? stored?.state === 'delivered' : !unchanged(delivery, stored);
          if (stands) {
            logger.info('backchannel.late_outcome_dropped', { client_id: delivery.clientId, attempts, outcome, recorded: stored?.state ?? 'gone' });
            return;
          }
        }
        await write();
      };
      if (now > delivery.giveUpAt) {
        const outcome = delivery.lastOutcome ?? 'not attempted in time';
        return await record(outcome, delivery.attempts, () => settle(delivery, 'given_up', outcome, now));
      }
      const provider = deps.provider();
      let client: object | undefined;
      try {
        client = await provider.Client.find(delivery.clientId);
      } catch (error) {
        // Stored metadata that no longer loads (a policy changed since): an attempt that failed, backed off like any other.
        const outcome = `the client could not be loaded: ${(error as Error).message}`.slice(0, 100);
        return await record(outcome, delivery.attempts + 1, () => retryLater({ ...delivery, attempts: delivery.attempts + 1 }, outcome));
      }
      const send = deps.send(provider);
      if (!client || !(client as { backchannelLogoutUri?: string }).backchannelLogoutUri || !send) {
        const outcome = 'the client or its back-channel logout URI is gone';
        return await record(outcome, delivery.attempts, () => settle(delivery, 'given_up', outcome, now));
      }
      const attempted = { ...delivery, attempts: delivery.attempts + 1 };
      try {
        await send(client, delivery.accountId, delivery.sid);
      } catch (error) {
        const { outcome, retry } = classify(error);
        if (retry) failing.add(delivery.clientId);
        return await record(outcome, attempted.attempts, () => (retry ? retryLater(attempted, outcome) : settle(attempted, 'refused', outcome, new Date())));
      }
      failing.delete(delivery.clientId);
      await record('HTTP 2xx', attempted.attempts, () => settle(attempted, 'delivered', 'HTTP 2xx', new Date()), true);
    } finally {
      // Freed early only while surely still ours: an attempt that outlived its lease (a stalled
      // store) may find it taken by another instance by now, whose lease it must not free; it
      // lapses by itself.
      if (surelyStillOurs()) await lease.delete(id).catch(() => undefined);
    }
  }

  /**
   * Starts an attempt if there is a free slot: its promise, or 'no-slot' when every slot is taken
   * (the poll then reads this page once more), undefined when this delivery or its site must wait.
   */
  function start({ id, clientId }: Pick<Delivery, 'id' | 'clientId'>): Promise<void> | 'no-slot' | undefined {
    if (stopped || inFlight.has(id)) return undefined;
    if (inFlight.size >= deps.maxConcurrent) return 'no-slot';
    const toThisSite = toSite(clientId);
    if (toThisSite >= deps.maxPerSite) return undefined;
    // The last quarter of the slots only for a site with nothing in flight: sites that answer, just
    // fast enough, and are owed a backlog would otherwise take every slot as it frees (their
    // attempts end together), and a site owed one delivery would wait for their backlog.
    if (toThisSite > 0 && inFlight.size >= reservedFrom) return 'no-slot';
    if (suspect(clientId) && (toThisSite > 0 || toFailingSites() >= Math.floor(deps.maxConcurrent / 2))) return undefined;
    served(clientId);
    const running = attempt(id)
      .catch((error: unknown) => logger.warn('backchannel.attempt_failed', { error }))
      .finally(() => {
        inFlight.delete(id);
        startWaiting();
      });
    inFlight.set(id, { clientId, running, startedAt: Date.now() });
    return running;
  }

  /**
   * Due deliveries in turn across sites: each site's oldest first, then each site's second, ...;
   * in each turn the sites with the fewest attempts in flight first, then the one served least
   * recently, so that the slots that free while busy sites hold the rest go to a site waiting for
   * its first (not to the next of many sites owed a backlog, which otherwise took every slot
   * round after round: an attacking review with more such sites than slots).
   */
  function inTurns(due: Delivery[]): Delivery[] {
    const bySite = new Map<string, Delivery[]>();
    for (const delivery of due.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())) {
      const queue = bySite.get(delivery.clientId);
      if (queue) queue.push(delivery);
      else bySite.set(delivery.clientId, [delivery]);
    }
    const rank = new Map([...bySite.keys()].map((clientId) => [clientId, [toSite(clientId), lastServed.get(clientId) ?? -1] as const]));
    const queues = [...bySite.values()].sort((a, b) => {
      const [x, y] = [rank.get(a[0]!.clientId)!, rank.get(b[0]!.clientId)!];
      return x[0] - y[0] || x[1] - y[1];
    });
    const turns: Delivery[] = [];
    for (let round = 0; turns.length < due.length; round += 1) for (const queue of queues) if (queue[round]) turns.push(queue[round]!);
    return turns;
  }

  const pageSize = deps.pageSize ?? POLL_PAGE_SIZE;
  /**
   * Where the next poll reads from (after this id; undefined: from the first). Each instance
   * starts at a place of its own (ids are random), so instances don't walk the same pages in step.
   */
  let cursor: string | undefined = deps.startAfter ?? randomBytes(12).toString('base64url');
  /** This poll's page is the last poll's, read again for what found no free slot. */
  let readAgain = false;

  /** Reads one page and starts what is due on it; the attempts started, not awaited. */
  async function poll(now: Date): Promise<Promise<void>[]> {
    const after = cursor;
    const page = await deliveries.pendingPage({ limit: pageSize, ...(after === undefined ? {} : { after }) });
    const due = page.filter((delivery) => delivery.state === 'pending' && delivery.nextAttemptAt <= now);
    const started: Promise<void>[] = [];
    let noSlot = false;
    for (const delivery of inTurns(due)) {
      const outcome = start(delivery);
      if (outcome === 'no-slot') noSlot = true;
      else if (outcome) started.push(outcome);
    }
    // On past this page: a page full of one site's deliveries (a site down, its probe in flight)
    // must not keep the other sites' out of every later poll. What waited only for a free slot is
    // read once more at the next poll, not for as long as every slot is taken: sites answering
    // just fast enough kept the slots full and pinned the walk to the first page for minutes, so
    // a delivery further on waited for their whole backlog (an attacking review).
    if (noSlot && !readAgain) readAgain = true;
    else {
      readAgain = false;
      cursor = page.length < pageSize ? undefined : page[page.length - 1]!.id;
    }
    return started;
  }

  async function tick(now = new Date()): Promise<void> {
    await Promise.all(await poll(now));
  }

  // A poll is skipped only while the previous one is still reading its page, never while its
  // attempts run: a site holding a request until the timeout must not slow the walk.
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    poll(new Date())
      .catch((error: unknown) => {
        logger.warn('backchannel.tick_failed', { error });
        return [];
      })
      .finally(() => {
        polling = false;
      });
  }, deps.pollMs);
  timer.unref();

  return {
    attemptSoon(delivery) {
      setImmediate(() => {
        // A site's further deliveries (while one of its own waits) are left to the polls.
        if (start(delivery) !== 'no-slot' || waiting.has(delivery.clientId)) return;
        waiting.set(delivery.clientId, delivery);
        if (waiting.size > MAX_WAITING) waiting.delete(waiting.keys().next().value!);
      });
    },
    tick,
    async idle() {
      await Promise.all([...inFlight.values()].map((entry) => entry.running));
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
