/**
 * The parent Koa app: the request frame (headers, guard, error pages) -> our routers ->
 * oidc-provider mounted at the root. A request for a path none of our routers has (most traffic:
 * tokens, userinfo, discovery, JWKS) skips them and goes straight to the provider (our-paths.ts),
 * past the issuer-host pin; discovery and the JWKS are answered from memory after their first
 * request to each provider instance (provider-documents.ts).
 */
import Koa from 'koa';
import compose from 'koa-compose';
import type { AccountSessions } from './account/account-sessions.js';
import type { AccessEnder } from './account/end-access.js';
import { createAccountRouter } from './account/router.js';
import type { Config } from './config.js';
import { createHomeRouter } from './http/home.js';
import { issuerHost } from './http/issuer-host.js';
import { chain } from './http/middleware-chain.js';
import { ourPaths, providerPath } from './http/our-paths.js';
import { providerDocuments } from './http/provider-documents.js';
import { requestFrame } from './http/request-frame.js';
import { idpSecurityHeaders } from './http/security-headers.js';
import { createWebfingerRouter } from './http/webfinger.js';
import type { Views } from './http/views.js';
import { createInteractionRouter, type InteractionDeps } from './interactions/router.js';
import type { Logger } from './logger.js';
import type { LiveProvider } from './oidc/live-provider.js';
import type { Storage } from './storage/types.js';
import { createStrangerLimits } from './throttling/stranger-limits.js';

export interface AppDeps extends Omit<InteractionDeps, 'provider'> {
  config: Readonly<Config>;
  storage: Storage;
  views: Views;
  logger: Logger;
  live: LiveProvider;
  accountSessions: AccountSessions;
  access: AccessEnder;
  /** The Management API under /api/v1 (management/api.ts): it answers its own paths, passes on the rest. */
  management: Koa.Middleware;
}

export function createApp(deps: AppDeps): Koa {
  const { config, live, views, logger } = deps;
  const app = new Koa();
  // Must hold the provider's cookies.keys: koa-mount runs the provider with this app's context, so
  // its endpoints read and write signed cookies with these keys (interactionDetails and
  // interactionResult make a context of the provider's own, with its keys).
  app.keys = live.cookieSigner();
  live.onSwap((material) => {
    app.keys = material.cookieSigner;
  });
  app.proxy = config.trustProxy;
  // Only the address our own proxy appended to X-Forwarded-For counts: the entries before it are
  // whatever the client wrote, and limits keyed on them could be dodged with a made-up header.
  app.maxIpsCount = 1;
  app.silent = true;

  const interactions = createInteractionRouter({ ...deps, provider: live.current });
  const home = createHomeRouter({ issuer: config.issuer, views, ready: () => deps.storage.ping() });
  const webfinger = createWebfingerRouter({ issuer: config.issuer, hosts: config.webfingerHosts });
  const account = createAccountRouter({
    provider: live.current,
    issuer: config.issuer,
    accounts: deps.accounts,
    sessions: deps.accountSessions,
    access: deps.access,
    signIn: deps.signIn,
    events: deps.events,
    views,
    factors: deps.factors,
    passkeys: deps.passkeys,
    codeLimits: deps.codeLimits,
    browsers: deps.browsers,
  });
  const toProvider = chain([
    issuerHost(config.issuer),
    providerDocuments(config.issuer, live.current),
    cacheableJwks(config.keysRefreshSeconds),
    ...createStrangerLimits({ storage: deps.storage, events: deps.events, views, limits: config.requestLimits }),
    live.middleware,
  ]);
  // A request that no router of ours answers still reaches the provider, as before the split.
  const ours = compose([
    home.routes(),
    webfinger.routes(),
    interactions.routes(),
    interactions.allowedMethods(),
    account.routes(),
    account.allowedMethods(),
    toProvider,
  ] as Koa.Middleware[]);
  const isOurs = ourPaths([home, webfinger, interactions, account]);
  const { management } = deps;
  const route: Koa.Middleware = (ctx, next) =>
    isOurs(ctx.path) ? ours(ctx, next) : ctx.path.startsWith('/api') ? management(ctx, () => toProvider(ctx, next)) : toProvider(ctx, next);

  // One layer of Koa's own: the frame, then the route (each app.use is a promise per request).
  const frame = requestFrame({ views, logger, headers: idpSecurityHeaders(config.issuer) });
  app.use((ctx, next) => frame(ctx, () => route(ctx, next)));
  return app;
}

/**
 * The JWKS may be cached for one key refresh interval: a new key is published two intervals
 * before it signs, so a cached copy never misses a key that is already in use.
 */
function cacheableJwks(maxAgeSeconds: number): Koa.Middleware {
  const cacheControl = `public, max-age=${maxAgeSeconds}`;
  return (ctx, next) => {
    if (providerPath(ctx.path) !== '/jwks') return next();
    return next().then(() => {
      if (ctx.status === 200) ctx.set('Cache-Control', cacheControl);
    });
  };
}
