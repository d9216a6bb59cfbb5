/** The real back-channel sender on a store, with sites that are functions (every client has a logout URI). */
import type Provider from 'oidc-provider';
import { createLogger } from '../../src/logger.js';
import type { Deliveries } from '../../src/logout-delivery/deliveries.js';
import { createDeliverySender, type SendLogout } from '../../src/logout-delivery/sender.js';
import { createSecurityEvents } from '../../src/security/security-events.js';
import type { Storage } from '../../src/storage/types.js';

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
