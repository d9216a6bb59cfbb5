/**
 * Provider events -> structured logs. Only identifiers and error codes are logged: never token
 * values, codes or secrets (the logger redacts such fields anyway).
 */
import type { Provider, KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../logger.js';

const CLIENT_ERRORS = [
  'authorization.error',
  'grant.error',
  'introspection.error',
  'registration_create.error',
  'revocation.error',
  'userinfo.error',
  'end_session.error',
  'backchannel.error',
] as const;

function where(ctx: KoaContextWithOIDC | undefined) {
  return { route: ctx?.oidc?.route, client_id: ctx?.oidc?.client?.clientId };
}

export function logProviderEvents(provider: Provider, logger: Logger): void {
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    logger.error('oidc.server_error', { ...where(ctx), error });
  });
  // The typings list these events per overload; a loop over them needs the plain emitter type.
  const emitter = provider as unknown as NodeJS.EventEmitter;
  for (const event of CLIENT_ERRORS) {
    emitter.on(event, (ctx: KoaContextWithOIDC, error: Error & { error?: string; error_description?: string }) => {
      logger.info(`oidc.${event}`, { ...where(ctx), error: error.error ?? error.name, description: error.error_description });
    });
  }
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => logger.debug('oidc.grant.success', where(ctx)));
}
