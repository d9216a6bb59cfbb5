/**
 * Puts the delivery queue where oidc-provider sends back-channel logouts. oidc-provider calls
 * Client#backchannelLogout(sub, sid) for every site of a session that ends (RP-initiated logout)
 * and so does our access ender (sign out everywhere, revoke an app, password change, disabled or
 * deleted account): on each provider the IdP builds, that method now stores a delivery and asks
 * the sender to try it at once, and returns as soon as it is stored. The original method, which
 * signs a fresh logout token and POSTs it, is kept per provider for the sender.
 */
import type Provider from 'oidc-provider';
import type { TtlConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Deliveries } from './deliveries.js';
import type { DeliverySender, SendLogout } from './sender.js';

type BackchannelMethod = (this: object, sub: string, sid?: string) => Promise<void>;

/**
 * How long a site may still act on something the IdP issued for the session: its ID token, an
 * access token, a refresh token (when the site has the grant), the IdP session itself. After the
 * longest of these, telling it changes nothing.
 */
export function honouredSeconds(ttl: Readonly<TtlConfig>, grantTypes: readonly string[] = []): number {
  return Math.max(ttl.idTokenSeconds, ttl.accessTokenSeconds, ttl.sessionSeconds, grantTypes.includes('refresh_token') ? ttl.refreshTokenSeconds : 0);
}

export interface LogoutQueue {
  /** Replaces `provider`'s sending with the queue; call once per provider built. */
  install(provider: Provider): void;
  /** The original sending of `provider`, for the sender. */
  sendFor(provider: Provider): SendLogout | undefined;
  /** The sender, once it exists (it needs the live provider, built after the first install). */
  attach(sender: DeliverySender): void;
}

/** Pending deliveries one person may have at one app (one per session there). */
export const MAX_PENDING_PER_APP_AND_PERSON = 50;

/**
 * Runs tasks of one key one after another, tasks of other keys alongside; a key is forgotten once
 * its last task is done, so the map holds only keys with work in progress.
 */
function oneAtATimePerKey() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

export function createLogoutQueue(deps: { deliveries: Deliveries; ttl: Readonly<TtlConfig>; logger: Logger }): LogoutQueue {
  const originals = new WeakMap<Provider, SendLogout>();
  let sender: DeliverySender | undefined;
  // The check below reads what is owed, then writes: a sign-out everywhere tells every (app,
  // session) at once, and each read came before any write (an attacking review: 300 sessions at
  // one app, 300 deliveries owed; 20 calls for one session, 20). Per (app, person), one at a time,
  // on this instance; instances ending the same person's access together may each add up to the bound.
  const inTurn = oneAtATimePerKey();
  /** The delivery now owed, or undefined when the rules below owe none. */
  async function owe(clientId: string, grantTypes: string[] | undefined, sub: string, sid?: string) {
    // One delivery per (app, person, session) at a time, and a bound per (app, person): a
    // person opening sessions by the thousand can't make the IdP owe as many deliveries.
    const owed = (await deps.deliveries.ofAccount(sub)).filter((delivery) => delivery.state === 'pending' && delivery.clientId === clientId);
    if (owed.some((delivery) => delivery.sid === (sid || undefined) || delivery.sid === undefined)) return undefined;
    if (owed.length >= MAX_PENDING_PER_APP_AND_PERSON) {
      deps.logger.warn('backchannel.too_many_pending', { client_id: clientId, pending: owed.length });
      return undefined;
    }
    const giveUpAt = new Date(Date.now() + honouredSeconds(deps.ttl, grantTypes) * 1000);
    return deps.deliveries.create({ clientId, accountId: sub, ...(sid ? { sid } : {}), giveUpAt });
  }
  return {
    install(provider) {
      const prototype = provider.Client.prototype as unknown as { backchannelLogout: BackchannelMethod };
      const original = prototype.backchannelLogout;
      originals.set(provider, (client, accountId, sid) => original.call(client, accountId, sid));
      prototype.backchannelLogout = async function queued(this: object, sub: string, sid?: string) {
        const { clientId, grantTypes } = this as { clientId: string; grantTypes?: string[] };
        const delivery = await inTurn(JSON.stringify([clientId, sub]), () => owe(clientId, grantTypes, sub, sid));
        if (delivery) sender?.attemptSoon(delivery);
      };
    },
    sendFor: (provider) => originals.get(provider),
    attach(created) {
      sender = created;
    },
  };
}
