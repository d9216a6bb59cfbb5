/**
 * Assembles one identity provider from its config: store, keys, oidc-provider, our routes.
 * Everything is built per call, so tests can run several IdPs in one process.
 */
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { ACCOUNT_CONSOLE_CLIENT_ID, createAccountSessions } from './account/account-sessions.js';
import { createAccessEnder, type AccessEnder } from './account/end-access.js';
import { createAuthenticator } from './accounts/authenticate.js';
import { createSlots, limitPasswordChecks } from './accounts/password-check-slots.js';
import { createPasswordVerifier } from './accounts/passwords.js';
import { createApp } from './app.js';
import { createRegistrationPolicy, type RegistrationPolicy } from './client-apps/registration-policy.js';
import { createClientRegistry, type ClientRegistry } from './client-apps/registry.js';
import { createReservedNames } from './client-apps/reserved-names.js';
import { createResourceServers, type ResourceServers } from './client-apps/resource-servers.js';
import { createApiAccess, type ApiAccess } from './client-apps/api-access.js';
import { createClientTrust } from './client-apps/trust.js';
import type { Config } from './config.js';
import { createViews } from './http/views.js';
import { createPasswordSignIn } from './interactions/password-sign-in.js';
import { createLogger, type Logger } from './logger.js';
import { createDeliveries, type Deliveries } from './logout-delivery/deliveries.js';
import { createLogoutQueue } from './logout-delivery/queue.js';
import { createDeliverySender, type DeliverySender } from './logout-delivery/sender.js';
import { createManagementApi } from './management/api.js';
import { createBearerCheck } from './management/bearer.js';
import { managementApiIdentifier, registerManagementApi } from './management/management-api.js';
import { managementRoutes } from './management/routes/index.js';
import { ensureKeys } from './oidc/key-ring.js';
import { createCodeLimits } from './mfa/code-limits.js';
import { loadFactorSecrets } from './mfa/factor-secrets.js';
import { createFactors, type Factors } from './mfa/factors.js';
import { createPasskeys, type Passkeys } from './mfa/passkeys.js';
import { createPasskeyLimits } from './mfa/passkey-limits.js';
import { createPendingSignIns } from './mfa/pending-sign-in.js';
import { createLiveProvider, type LiveProvider } from './oidc/live-provider.js';
import { createProvider } from './oidc/provider.js';
import { syncStaticInitialAccessToken } from './oidc/registration.js';
import { loadPseudonyms, type Pseudonyms } from './security/pseudonyms.js';
import { createSecurityEvents, type SecurityEvents } from './security/security-events.js';
import { createStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';
import { createDeviceCookies, createKnownBrowsers } from './throttling/device-cookie.js';
import { createInFlight, PER_SOURCE_MAX_WAIT_MS, PER_SOURCE_WAITING } from './throttling/in-flight.js';
import { createSignInLimits } from './throttling/sign-in-limits.js';

export interface Idp {
  config: Readonly<Config>;
  app: Koa;
  /** The provider serving requests now; replaced when keys change (see live-provider.ts). */
  provider(): Provider;
  live: LiveProvider;
  storage: Storage;
  clients: ClientRegistry;
  /** What an app may register; dynamic registration and the admin path both apply it. */
  registrationPolicy: RegistrationPolicy;
  resourceServers: ResourceServers;
  /** Which APIs each client_credentials client may get tokens for (an admin grants them). */
  apiAccess: ApiAccess;
  logger: Logger;
  pseudonyms: Pseudonyms;
  events: SecurityEvents;
  /** Back-channel logouts owed, and the sender that delivers them (logout-delivery/). */
  deliveries: Deliveries;
  logoutSender: DeliverySender;
  /** Ends a person's sessions, grants and tokens (sign out everywhere, disable, password change). */
  access: AccessEnder;
  /** People's second factors: authenticator apps and recovery codes (mfa/). */
  factors: Factors;
  /** People's passkeys (mfa/passkeys.ts). */
  passkeys: Passkeys;
  close(): Promise<void>;
}

/** Back-channel logouts sent at once by one IdP instance; the rest wait for a free slot. */
const BACKCHANNEL_MAX_CONCURRENT = 16;
/** ... and to one site: a dead site holding each request until the timeout leaves the rest free. */
const BACKCHANNEL_MAX_PER_SITE = 4;
/** How often each instance looks for deliveries that are due (a retry, or another instance's). */
const BACKCHANNEL_POLL_MS = 500;

export async function createIdp(config: Readonly<Config>, overrides: { storage?: Storage; logger?: Logger } = {}): Promise<Idp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const storage = overrides.storage ?? (await createStorage(config, logger));
  await ensureKeys(storage.keys);
  if (config.threadPoolSize < config.passwordChecks.concurrent + 2) {
    logger.warn('idp.thread_pool_small', {
      message: 'UV_THREADPOOL_SIZE leaves fewer than 2 threads beside the password checks; start the IdP with `node --require ./dist/bin/thread-pool.cjs dist/main.js` (npm run start:idp does; npm start preloads src/bin/thread-pool.cjs) or raise it',
      thread_pool_size: config.threadPoolSize,
      password_check_concurrency: config.passwordChecks.concurrent,
    });
  }
  const pseudonyms = await loadPseudonyms(storage.keys);
  const factors = createFactors({ storage, secrets: await loadFactorSecrets(storage.keys) });
  const passkeys = createPasskeys({ storage, issuer: config.issuer });
  const events = createSecurityEvents({ logger, audit: storage.audit, retentionSeconds: config.auditRetentionDays * 24 * 60 * 60 });
  const views = createViews();
  const trust = createClientTrust(storage);
  const resourceServers = createResourceServers(storage);
  const apiAccess = createApiAccess(storage);
  await registerManagementApi(resourceServers, config.issuer);
  const registrationPolicy = createRegistrationPolicy({
    allowHttpLoopback: config.nodeEnv !== 'production',
    reservedNames: createReservedNames({ storage, trust, issuer: config.issuer }),
  });
  const deliveries = createDeliveries(storage);
  const logoutQueue = createLogoutQueue({ deliveries, ttl: config.ttl, logger });
  const live = await createLiveProvider({
    config,
    keys: storage.keys,
    logger,
    build: (material) => {
      const provider = createProvider({ config, storage, trust, resourceServers, apiAccess, registrationPolicy, material, views, logger, events });
      logoutQueue.install(provider);
      return provider;
    },
  });
  const logoutSender = createDeliverySender({
    deliveries,
    storage,
    provider: live.current,
    send: logoutQueue.sendFor,
    events,
    logger,
    maxConcurrent: BACKCHANNEL_MAX_CONCURRENT,
    maxPerSite: BACKCHANNEL_MAX_PER_SITE,
    pollMs: BACKCHANNEL_POLL_MS,
  });
  logoutQueue.attach(logoutSender);
  await syncStaticInitialAccessToken(live.current(), storage, config.initialAccessToken, config.initialAccessTokenExpiresAt);
  const clients = createClientRegistry(live.current, storage, trust);
  const access = createAccessEnder({ provider: live.current, storage, logger });
  await registerAccountConsole(clients, config.issuer);
  const identifier = managementApiIdentifier(config.issuer);
  const management = createManagementApi({
    routes: managementRoutes({ config, clients, registrationPolicy, resourceServers, apiAccess, storage, access, events, pseudonyms, provider: live.current, logger, deliveries, factors }),
    identifier,
    authenticate: createBearerCheck({ identifier, issuer: config.issuer, live, clients, apiAccess }),
    logger,
    events,
  });
  const devices = createDeviceCookies(pseudonyms);
  const app = createApp({
    management,
    config,
    storage,
    views,
    logger,
    live,
    accounts: storage.accounts,
    signIn: createPasswordSignIn({
      authenticate: createAuthenticator(storage.accounts, limitPasswordChecks(createPasswordVerifier(), createSlots(config.passwordChecks))),
      limits: createSignInLimits(storage, config.loginAttempts),
      pseudonyms,
      devices,
      accounts: storage.accounts,
      perSource: createInFlight({ running: config.passwordChecks.perSource, waiting: PER_SOURCE_WAITING, maxWaitMs: PER_SOURCE_MAX_WAIT_MS }),
      events,
    }),
    issuerOrigin: new URL(config.issuer).origin,
    isFirstParty: trust.isFirstParty,
    factors,
    passkeys,
    passkeyLimits: createPasskeyLimits(storage),
    codeLimits: createCodeLimits(storage),
    browsers: createKnownBrowsers(devices, pseudonyms),
    pendingSignIns: createPendingSignIns(storage),
    accountSessions: createAccountSessions({ provider: live.current, storage, deliveries }),
    access,
    events,
  });
  return {
    config,
    app,
    provider: live.current,
    live,
    storage,
    clients,
    registrationPolicy,
    resourceServers,
    apiAccess,
    logger,
    pseudonyms,
    events,
    access,
    factors,
    passkeys,
    deliveries,
    logoutSender,
    async close() {
      live.stop();
      logoutSender.stop();
      await logoutSender.idle();
      await storage.close();
    },
  };
}

/** The account page signs people in through the IdP's own authorization endpoint as this client. */
async function registerAccountConsole(clients: ClientRegistry, issuer: string): Promise<void> {
  await clients.save(
    {
      client_id: ACCOUNT_CONSOLE_CLIENT_ID,
      client_name: 'Your account',
      redirect_uris: [`${issuer}/account/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    { firstParty: true },
  );
}
