/** Waiting for back-channel logouts, which the IdP sends after the sign-out page, not before it. */
import type { Idp } from '../../src/idp.js';
import type { Delivery } from '../../src/logout-delivery/deliveries.js';

/** Resolves once no delivery is pending (all arrived, were refused or given up), or fails after `timeoutMs`. */
export async function deliveriesSettled(idp: Pick<Idp, 'deliveries'>, timeoutMs = 5000): Promise<Delivery[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await idp.deliveries.list();
    if (all.every((delivery) => delivery.state !== 'pending')) return all;
    if (Date.now() > until) throw new Error(`back-channel logouts still pending after ${timeoutMs} ms: ${JSON.stringify(all.filter((d) => d.state === 'pending'))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
