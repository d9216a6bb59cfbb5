/**
 * Back-channel logouts the IdP owes (OpenID Connect Back-Channel Logout 1.0), kept in the store
 * before anything is sent, so a site that is down when a person signs out still hears of it when
 * it comes back, from whichever IdP instance gets to it first, even after a restart.
 *
 * One record per (site, person, IdP session) to tell: its state, attempts, next attempt and the
 * last outcome. Records stay for a day after they settle, for the account page, the admin CLI and
 * the Management API to show; the store drops them after that.
 */
import { randomBytes } from 'node:crypto';
import type { AdapterPayload, Storage } from '../storage/types.js';

/**
 * Pending and settled deliveries are kept apart: the sender polls the pending ones every half
 * second on every instance, and a day of settled ones (100,000 sign-outs) must not be in its
 * way. A delivery moves to the settled model once, when it settles.
 */
const MODEL = 'BackchannelDelivery';
const SETTLED_MODEL = 'BackchannelDeliverySettled';
/** How long a settled (delivered, refused, given up) delivery stays visible. */
export const SETTLED_KEPT_SECONDS = 24 * 60 * 60;

export type DeliveryState = 'pending' | 'delivered' | 'refused' | 'given_up';

export interface Delivery {
  id: string;
  clientId: string;
  /** The person (the logout token's sub is derived from it, pairwise where the client asks). */
  accountId: string;
  /** The IdP session at that client; absent: every session of the person there. */
  sid?: string;
  state: DeliveryState;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  /** What the last attempt got: "HTTP 503", "timeout", "connection refused", ... */
  lastOutcome?: string;
  settledAt?: Date;
  /** After this, nothing the site could still honour is alive: the IdP stops trying. */
  giveUpAt: Date;
}

export interface Deliveries {
  create(input: Pick<Delivery, 'clientId' | 'accountId' | 'sid' | 'giveUpAt'>, now?: Date): Promise<Delivery>;
  find(id: string): Promise<Delivery | undefined>;
  save(delivery: Delivery): Promise<void>;
  /** Every delivery still kept, any state. */
  list(): Promise<Delivery[]>;
  /**
   * Pending ones by id (ascending, as strings compare): at most `limit`, only ids after `after`.
   * What the sender polls, a page at a time, so a poll costs the same whatever the backlog.
   */
  pendingPage(query: { limit: number; after?: string }): Promise<Delivery[]>;
  ofAccount(accountId: string): Promise<Delivery[]>;
}

const toPayload = (delivery: Delivery): AdapterPayload => ({
  ...delivery,
  createdAt: delivery.createdAt.getTime(),
  nextAttemptAt: delivery.nextAttemptAt.getTime(),
  settledAt: delivery.settledAt?.getTime(),
  giveUpAt: delivery.giveUpAt.getTime(),
});

function fromPayload(payload: AdapterPayload): Delivery {
  const date = (value: unknown) => new Date(Number(value));
  return {
    id: String(payload.id),
    clientId: String(payload.clientId),
    accountId: String(payload.accountId),
    ...(typeof payload.sid === 'string' ? { sid: payload.sid } : {}),
    state: payload.state as DeliveryState,
    createdAt: date(payload.createdAt),
    attempts: Number(payload.attempts),
    nextAttemptAt: date(payload.nextAttemptAt),
    ...(typeof payload.lastOutcome === 'string' ? { lastOutcome: payload.lastOutcome } : {}),
    ...(payload.settledAt !== undefined && payload.settledAt !== null ? { settledAt: date(payload.settledAt) } : {}),
    giveUpAt: date(payload.giveUpAt),
  };
}

/** Kept until it settles and a day after; a pending one never outlives its give-up time by more. */
function keptSeconds(delivery: Delivery, now: Date): number {
  const until = (delivery.settledAt ?? delivery.giveUpAt).getTime() + SETTLED_KEPT_SECONDS * 1000;
  return Math.max(1, Math.ceil((until - now.getTime()) / 1000));
}

export function createDeliveries(storage: Storage): Deliveries {
  const records = storage.modelStore(MODEL);
  const settled = storage.modelStore(SETTLED_MODEL);
  async function save(delivery: Delivery, now = new Date()) {
    if (delivery.state === 'pending') return records.upsert(delivery.id, toPayload(delivery), keptSeconds(delivery, now));
    // Settled first, then no longer pending: a crash in between leaves it in both, and the
    // sender's re-read after its lease (find prefers the settled copy) never sends it again.
    await settled.upsert(delivery.id, toPayload(delivery), keptSeconds(delivery, now));
    await records.destroy(delivery.id);
  }
  const all = async (store: typeof records) => (await store.list()).map(({ payload }) => fromPayload(payload));
  return {
    async create(input, now = new Date()) {
      const delivery: Delivery = { id: randomBytes(12).toString('base64url'), ...input, state: 'pending', createdAt: now, attempts: 0, nextAttemptAt: now };
      await save(delivery, now);
      return delivery;
    },
    async find(id) {
      const payload = (await settled.find(id)) ?? (await records.find(id));
      return payload ? fromPayload(payload) : undefined;
    },
    save: (delivery) => save(delivery),
    async list() {
      const [pending, done] = await Promise.all([all(records), all(settled)]);
      const doneIds = new Set(done.map((delivery) => delivery.id));
      return [...pending.filter((delivery) => !doneIds.has(delivery.id)), ...done];
    },
    pendingPage: async (query) => (await records.page(query)).map(({ payload }) => fromPayload(payload)),
    async ofAccount(accountId) {
      const [pending, done] = await Promise.all([records.findByAccountId(accountId), settled.findByAccountId(accountId)]);
      const doneIds = new Set(done.map(({ id }) => id));
      return [...pending.filter(({ id }) => !doneIds.has(id)), ...done].map(({ payload }) => fromPayload(payload));
    },
  };
}
