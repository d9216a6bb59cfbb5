/**
 * The parent Koa app: headers -> errors -> our routers -> oidc-provider mounted at the root.
 */
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { Config } from './config.js';
import { createHomeRouter } from './http/home.js';
import { errorPages } from './http/error-pages.js';
import { securityHeaders } from './http/security-headers.js';
import type { Views } from './http/views.js';
import { createInteractionRouter, type InteractionDeps } from './interactions/router.js';
import type { Logger } from './logger.js';
import type { Storage } from './storage/types.js';

export interface AppDeps extends InteractionDeps {
  config: Readonly<Config>;
  storage: Storage;
  views: Views;
  logger: Logger;
  provider: Provider;
}

export function createApp(deps: AppDeps): Koa {
  const { config, provider, views, logger } = deps;
  const app = new Koa();
  // Must equal the provider's cookies.keys: our interaction routes read its signed cookies.
  app.keys = [...config.cookieSecrets];
  app.proxy = config.trustProxy;
  app.silent = true;

  const interactions = createInteractionRouter(deps);
  const home = createHomeRouter({ issuer: config.issuer, views, ready: () => deps.storage.ping() });

  app.use(securityHeaders({ hsts: new URL(config.issuer).protocol === 'https:' }));
  app.use(errorPages(views, logger));
  app.use(home.routes());
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  app.use(mount(provider));
  return app;
}
