/**
 * Assembles one identity provider from its config: store, keys, oidc-provider, our routes.
 * Everything is built per call, so tests can run several IdPs in one process.
 */
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { createAuthenticator } from './accounts/authenticate.js';
import { createPasswordVerifier } from './accounts/passwords.js';
import { createApp } from './app.js';
import { createClientRegistry, type ClientRegistry } from './client-apps/registry.js';
import { createResourceServers, type ResourceServers } from './client-apps/resource-servers.js';
import { createClientTrust } from './client-apps/trust.js';
import type { Config } from './config.js';
import { createViews } from './http/views.js';
import { createLogger, type Logger } from './logger.js';
import { ensureSigningKeys, providerJwks } from './oidc/keys.js';
import { createProvider } from './oidc/provider.js';
import { createStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';

export interface Idp {
  config: Readonly<Config>;
  app: Koa;
  provider: Provider;
  storage: Storage;
  clients: ClientRegistry;
  resourceServers: ResourceServers;
  logger: Logger;
  close(): Promise<void>;
}

export async function createIdp(config: Readonly<Config>, overrides: { storage?: Storage; logger?: Logger } = {}): Promise<Idp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const storage = overrides.storage ?? (await createStorage(config, logger));
  const keys = await ensureSigningKeys(storage.keys);
  const views = createViews();
  const trust = createClientTrust(storage);
  const resourceServers = createResourceServers(storage);
  const provider = createProvider({ config, storage, trust, resourceServers, jwks: providerJwks(keys), views, logger });
  const app = createApp({
    config,
    storage,
    views,
    logger,
    provider,
    accounts: storage.accounts,
    authenticate: createAuthenticator(storage.accounts, createPasswordVerifier()),
    issuerOrigin: new URL(config.issuer).origin,
  });
  return {
    config,
    app,
    provider,
    storage,
    clients: createClientRegistry(provider, storage, trust),
    resourceServers,
    logger,
    close: () => storage.close(),
  };
}
