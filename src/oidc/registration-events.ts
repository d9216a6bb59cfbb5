/**
 * Dynamic client registration (RFC 7591/7592) as security events: who registered, changed or
 * deleted which app from where, and refused attempts with their error code. The app's own
 * metadata (names, URIs) stays out: it is whatever the registrant wrote.
 */
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { SecurityEvents } from '../security/security-events.js';

export function recordRegistrationEvents(provider: Provider, events: SecurityEvents, onDeleted: (clientId: string) => Promise<void> = async () => undefined): void {
  const emitter = provider as unknown as NodeJS.EventEmitter;
  // RFC 7592 deletion: what the client held goes with it (oidc/revoke-client.ts).
  emitter.on('registration_delete.success', (_ctx: KoaContextWithOIDC, client: { clientId: string }) => {
    void onDeleted(client.clientId);
  });
  const success = [
    ['registration_create.success', 'registration.created'],
    ['registration_update.success', 'registration.updated'],
    ['registration_delete.success', 'registration.deleted'],
  ] as const;
  for (const [name, type] of success) {
    emitter.on(name, (ctx: KoaContextWithOIDC, client: { clientId: string }) => {
      void events.record({ type, source: ctx.ip, clientId: client.clientId });
    });
  }
  for (const name of ['registration_create.error', 'registration_update.error', 'registration_delete.error']) {
    emitter.on(name, (ctx: KoaContextWithOIDC, error: { error?: string; name?: string }) => {
      void events.record({ type: 'registration.refused', source: ctx.ip, detail: { route: name.split('.')[0]!, error: String(error.error ?? error.name ?? 'error').slice(0, 100) } });
    });
  }
}
