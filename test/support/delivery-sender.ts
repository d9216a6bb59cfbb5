/** The real back-channel sender on a store, with sites that are functions (every client has a logout URI). */
import type Provider from 'oidc-provider';
import { createLogger } from '../../src/logger.js';
import { createDeliveries, type Deliveries, type Delivery } from '../../src/logout-delivery/deliveries.js';
import { createDeliverySender, type SendLogout } from '../../src/logout-delivery/sender.js';
import { createSecurityEvents } from '../../src/security/security-events.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';

type SenderOptions = Parameters<typeof senderWithFunctionSites>[3];

/** A pending delivery with this id, due in `dueInMs`, giving up in an hour. */
export const owed = (id: string, clientId: string, dueInMs = 0): Delivery => {
  const now = new Date();
  return { id, clientId, accountId: `person-${id}`, sid: `sid-${id}`, state: 'pending', createdAt: now, attempts: 0, nextAttemptAt: new Date(now.getTime() + dueInMs), giveUpAt: new Date(now.getTime() + 3_600_000) };
};

/** Sites named `${prefix}-0` ... that answer 200 after `answerMs`; every other site at once. */
export function slowSites(prefix: string, count: number, answerMs: number): { ids: string[]; send: SendLogout } {
  const ids = Array.from({ length: count }, (_v, n) => `${prefix}-${n}`);
  const send: SendLogout = async (client) => {
    if (ids.includes((client as { clientId: string }).clientId)) await new Promise((resolve) => setTimeout(resolve, answerMs));
  };
  return { ids, send };
}

/** Polls `done` every 25 ms for at most 20 s; the milliseconds it took (20 s and more: never). */
export async function msUntil(done: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await done()) && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 25));
  return Date.now() - started;
}

/**
 * The real sender on a fresh memory store, with what `seed` stored before it starts; `body` runs
 * with it, and the sender is stopped (its attempts awaited) and the store closed after.
 */
export async function withSender<T>(
  send: SendLogout,
  options: SenderOptions,
  seed: (deliveries: Deliveries) => Promise<void>,
  body: (running: { deliveries: Deliveries; sender: ReturnType<typeof senderWithFunctionSites> }) => Promise<T>,
): Promise<T> {
  const storage = createMemoryStorage();
  const deliveries = createDeliveries(storage);
  await seed(deliveries);
  const sender = senderWithFunctionSites(storage, deliveries, send, options);
  try {
    return await body({ deliveries, sender });
  } finally {
    sender.stop();
    await sender.idle();
    await storage.close();
  }
}

export function senderWithFunctionSites(
  storage: Storage,
  deliveries: Deliveries,
  send: SendLogout,
  options: { maxConcurrent: number; maxPerSite: number; pollMs: number; leaseSeconds?: number; pageSize?: number; startAfter?: string },
) {
  const logger = createLogger('silent');
  const provider = { Client: { find: async (clientId: string) => ({ clientId, backchannelLogoutUri: `https://${clientId}.example/logout` }) } } as unknown as Provider;
  return createDeliverySender({
    deliveries,
    storage,
    provider: () => provider,
    send: () => send,
    events: createSecurityEvents({ logger, audit: storage.audit, retentionSeconds: 60 }),
    logger,
    // From the first page, unless a test says otherwise ('' sorts before every id).
    startAfter: '',
    ...options,
  });
}
