/**
 * The only reader of process.env for the identity provider. Everything else receives a frozen
 * `Config`, so tests can build several differently configured IdPs in one process and the README's
 * configuration table matches this one file.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AppError } from './errors.js';
import { isLoopbackHost } from './http/loopback-resolver.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './http/server-limits.js';
import type { TlsFiles } from './http/tls-files.js';
import { secretWeakness } from './secret-strength.js';
import { DEFAULT_MAX_POOL_SIZE, DEFAULT_SOCKET_TIMEOUT_MS } from './storage/mongo/limits.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface TtlConfig {
  accessTokenSeconds: number;
  idTokenSeconds: number;
  refreshTokenSeconds: number;
  sessionSeconds: number;
  interactionSeconds: number;
  grantSeconds: number;
  authorizationCodeSeconds: number;
}

export interface Config {
  issuer: string;
  port: number;
  host: string;
  nodeEnv: NodeEnv;
  /**
   * Operator-managed cookie secrets, newest first: the first signs, the rest still verify. Empty
   * means the IdP keeps generated secrets in its store (shared by every instance, rotatable).
   */
  cookieSecrets: readonly string[];
  /** How often each instance reloads keys and cookie secrets from the store. */
  keysRefreshSeconds: number;
  /** Demo mode: seeds demo data and lets the IdP call loopback sites (back-channel logout). */
  demo: boolean;
  /** Demo mode only (empty otherwise): the loopback sites the IdP may call past the SSRF guard. */
  demoSiteOrigins: readonly string[];
  trustProxy: boolean;
  mongodbUri: string | undefined;
  /** Start-up gives up after this many attempts, each waiting up to the timeout. */
  mongodbConnectAttempts: number;
  /** Finding a server, opening a connection to it, waiting for a free pooled connection. */
  mongodbConnectTimeoutMs: number;
  /** How long a sent command may go unanswered (a hung server) before it fails with 503. */
  mongodbSocketTimeoutMs: number;
  /** Connections one IdP process may hold open to each MongoDB server. */
  mongodbMaxPoolSize: number;
  ttl: TtlConfig;
  logLevel: LogLevel;
  /** Static initial access token for dynamic client registration (RFC 7591 section 3). */
  initialAccessToken: string | undefined;
  /**
   * Sign-in attempts each limit lets through in an hour before every further attempt waits
   * (1 s, doubling, up to 15 minutes): throttling/sign-in-limits.ts.
   */
  loginAttempts: Readonly<{ perSource: number; perAccount: number; perDevice: number; perPage: number }>;
  /** Sign-in pages (interactions) one address may start per minute; registrations per hour. */
  requestLimits: Readonly<{ interactionsPerMinute: number; signOutPagesPerMinute: number; registrationsPerHour: number }>;
  /** Password checks (argon2id) running at once, and waiting, before sign-ins get 503 + Retry-After. */
  passwordChecks: Readonly<{ concurrent: number; queued: number; perSource: number }>;
  /** libuv's thread pool as this process started with it (src/bin/thread-pool.cjs sets it). */
  threadPoolSize: number;
  /** How long the audit trail keeps each security event. */
  auditRetentionDays: number;
  /** When the static initial access token stops working; undefined: it never does. */
  initialAccessTokenExpiresAt: Date | undefined;
  /** Hosts whose acct: and https: resources WebFinger answers with this issuer. */
  webfingerHosts: readonly string[];
  /** Serve https directly with these PEM files; undefined serves plain http (behind a proxy). */
  tls: Readonly<TlsFiles> | undefined;
  /** Timeouts and the connection cap of the IdP's server (src/http/server-limits.ts). */
  httpLimits: Readonly<ServerLimits>;
}

type Env = Record<string, string | undefined>;

class Problems {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
}

function readInteger(env: Env, name: string, fallback: number, problems: Problems, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.add(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function readBoolean(env: Env, name: string, fallback: boolean, problems: Problems): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const normalized = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  problems.add(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function readOneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, problems: Problems): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.add(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  return fallback;
}

function readIssuer(env: Env, nodeEnv: NodeEnv, problems: Problems): string {
  const raw = env.ISSUER?.trim() || 'http://idp.localhost:3000';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.add(`ISSUER must be an absolute URL such as https://id.example.com (got "${raw}")`);
    return 'http://idp.localhost:3000';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.add(`ISSUER must use https (got "${raw}")`);
  } else if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    // OpenID Connect Discovery 1.0 section 3: the issuer has no query or fragment.
    problems.add(`ISSUER must not contain a query or fragment (got "${raw}")`);
  } else if (url.username || url.password || /^[a-z]+:\/\/[^/]*@/i.test(raw)) {
    // RFC 9110 section 4.2.4: no userinfo in http(s) URIs. It would be published in discovery and
    // in every token's iss, so the value is not repeated here.
    problems.add('ISSUER must not contain a user name or password (user:password@)');
  } else if (nodeEnv === 'production' && url.protocol !== 'https:') {
    problems.add(`ISSUER must use https in production (got "${raw}")`);
  }
  return raw.replace(/\/+$/, '');
}

function readCookieSecrets(env: Env, problems: Problems): string[] {
  const raw = env.COOKIE_SECRETS;
  if (raw === undefined || raw.trim() === '') return [];
  const secrets = raw.split(',').map((s) => s.trim()).filter(Boolean);
  secrets.forEach((secret, index) => {
    const weakness = secretWeakness(`COOKIE_SECRETS entry ${index + 1}`, secret);
    if (weakness) problems.add(weakness);
  });
  return secrets;
}

function readMongoUri(env: Env, problems: Problems): string | undefined {
  const raw = env.MONGODB_URI;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^mongodb(\+srv)?:\/\//.test(raw)) {
    problems.add('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  return raw.trim();
}

/** The seeded sample sites of `npm start` (clients/site-a, clients/site-b at their default URLs). */
export const DEFAULT_DEMO_SITE_ORIGINS = Object.freeze(['http://site-a.localhost:3001', 'http://site-b.localhost:3002']);

/**
 * The only origins oidc-provider's SSRF guard lets through (src/oidc/outgoing-fetch.ts), so each
 * must be exactly an origin and on loopback: a DNS name here could be pointed anywhere later.
 */
function readDemoSiteOrigins(env: Env, demo: boolean, problems: Problems): string[] {
  if (!demo) return [];
  const raw = env.DEMO_SITE_ORIGINS;
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_DEMO_SITE_ORIGINS];
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.flatMap((entry) => {
    const url = URL.parse(entry);
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      problems.add(`DEMO_SITE_ORIGINS entries must be origins such as http://site-a.localhost:3001, without path or credentials (got "${entry}")`);
      return [];
    }
    if (!isLoopbackHost(url.hostname)) {
      problems.add(`DEMO_SITE_ORIGINS entries must be on loopback (*.localhost, 127.0.0.0/8, [::1]) (got "${entry}")`);
      return [];
    }
    return [url.origin];
  });
}

/**
 * An ISO 8601 date-time with a time zone (the RFC 3339 section 5.6 profile, seconds optional):
 * 2030-01-31T18:00Z, 2030-01-31T18:00:00+01:00. Without a zone it would mean another instant on
 * every server.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

function readFutureDateTime(env: Env, name: string, problems: Problems): Date | undefined {
  const raw = env[name]?.trim().toUpperCase();
  if (!raw) return undefined;
  const [, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = DATE_TIME.exec(raw) ?? [];
  const date = new Date(Date.parse(raw));
  // Date.parse rolls 2030-02-30 over to March 2: compare the calendar fields it kept.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid =
    year !== undefined &&
    !Number.isNaN(date.getTime()) &&
    calendar.getUTCFullYear() === Number(year) && calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day) &&
    Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 && Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59;
  if (!valid) {
    problems.add(`${name} must be an ISO 8601 date-time with a time zone, such as 2030-01-31T18:00:00Z (got "${env[name]}")`);
    return undefined;
  }
  if (date.getTime() <= Date.now()) {
    problems.add(`${name} is in the past (${date.toISOString()})`);
    return undefined;
  }
  return date;
}

function readTlsFiles(env: Env, problems: Problems): TlsFiles | undefined {
  const certFile = env.TLS_CERT_FILE?.trim() || undefined;
  const keyFile = env.TLS_KEY_FILE?.trim() || undefined;
  if (certFile && keyFile) return Object.freeze({ certFile, keyFile });
  if (certFile || keyFile) problems.add('TLS_CERT_FILE and TLS_KEY_FILE go together: set both (PEM certificate and its key) or neither');
  return undefined;
}

function readHttpLimits(env: Env, trustProxy: boolean, problems: Problems): Readonly<ServerLimits> {
  const defaults = DEFAULT_SERVER_LIMITS;
  const limits: ServerLimits = {
    headersTimeoutSeconds: readInteger(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', defaults.headersTimeoutSeconds, problems, 1, 300),
    requestTimeoutSeconds: readInteger(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', defaults.requestTimeoutSeconds, problems, 1, 300),
    idleTimeoutSeconds: readInteger(env, 'HTTP_IDLE_TIMEOUT_SECONDS', defaults.idleTimeoutSeconds, problems, 1, 300),
    keepAliveTimeoutSeconds: readInteger(env, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', defaults.keepAliveTimeoutSeconds, problems, 1, 300),
    maxConnections: readInteger(env, 'HTTP_MAX_CONNECTIONS', defaults.maxConnections, problems, 1, 1_000_000),
    // Behind a proxy every connection comes from the proxy: the cap per address is the proxy's job.
    maxConnectionsPerAddress: trustProxy
      ? 0
      : readInteger(env, 'HTTP_MAX_CONNECTIONS_PER_ADDRESS', defaults.maxConnectionsPerAddress, problems, 0, 1_000_000),
  };
  // Node refuses a headers timeout longer than the request timeout it is part of.
  if (limits.headersTimeoutSeconds > limits.requestTimeoutSeconds) {
    problems.add('HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  return Object.freeze(limits);
}

/** Serving TLS with an http issuer would publish http endpoints that nobody can reach. */
function checkTransport(config: Config, problems: Problems): void {
  if (config.tls && !config.issuer.startsWith('https:')) {
    problems.add('ISSUER must use https when the IdP serves TLS itself (TLS_CERT_FILE, TLS_KEY_FILE)');
  }
}

/**
 * What production needs beyond valid values, all listed at once: cookies and tokens must only ever
 * travel over TLS, and the IdP must be able to tell that a request came over it (Koa's ctx.secure,
 * from which oidc-provider and our routes set `Secure` on cookies): either it terminates TLS
 * itself or it trusts the X-Forwarded-Proto of a proxy that does.
 */
function checkProductionNeeds(config: Config, problems: Problems): void {
  if (!config.tls && !config.trustProxy) {
    problems.add('Production needs TLS: serve it here (TLS_CERT_FILE and TLS_KEY_FILE) or behind a TLS-terminating proxy that sends X-Forwarded-Proto (TRUST_PROXY=true)');
  }
  if (!config.mongodbUri) {
    problems.add('Production needs MONGODB_URI: the in-memory store loses every session, account and key on exit');
  }
}

/** Parses and validates the environment; throws one AppError listing every problem found. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems = new Problems();
  // Production unless said otherwise: a forgotten NODE_ENV must not loosen any check.
  const nodeEnv = readOneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'production', problems);
  const issuer = readIssuer(env, nodeEnv, problems);
  // The port written in the issuer (URL drops :80 and :443, so read the text), else 3000: behind a
  // TLS terminator the issuer usually names no port at all.
  const issuerPort = Number(/^[a-z]+:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(issuer)?.[1] ?? 3000);
  const demo = readBoolean(env, 'DEMO', false, problems);
  const trustProxy = readBoolean(env, 'TRUST_PROXY', false, problems);
  if (demo && nodeEnv === 'production') {
    problems.add('DEMO must not be enabled in production: it seeds demo accounts and lets the IdP call loopback addresses');
  }

  if (env.LOGIN_MAX_FAILURES !== undefined) {
    problems.add('LOGIN_MAX_FAILURES was replaced by LOGIN_ATTEMPTS_PER_ACCOUNT and LOGIN_ATTEMPTS_PER_SOURCE (attempts before growing delays, not a lock)');
  }
  // About one argon2id check per core: more at the event loop's priority take cores from the
  // requests. The thread-pool preload sets one more when it could lower the pool below the event
  // loop (src/bin/thread-pool.cjs, issue 10); this default is for a process started without it.
  const passwordConcurrency = readInteger(env, 'PASSWORD_CHECK_CONCURRENCY', availableParallelism(), problems, 1, 256);

  const day = 24 * 60 * 60;
  const config: Config = {
    issuer,
    port: readInteger(env, 'PORT', issuerPort, problems, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    nodeEnv,
    cookieSecrets: Object.freeze(readCookieSecrets(env, problems)),
    keysRefreshSeconds: readInteger(env, 'KEYS_REFRESH_SECONDS', 60, problems, 1, 3600),
    demo,
    demoSiteOrigins: Object.freeze(readDemoSiteOrigins(env, demo, problems)),
    trustProxy,
    mongodbUri: readMongoUri(env, problems),
    mongodbConnectAttempts: readInteger(env, 'MONGODB_CONNECT_ATTEMPTS', 5, problems, 1, 100),
    mongodbConnectTimeoutMs: readInteger(env, 'MONGODB_CONNECT_TIMEOUT_MS', 5000, problems, 100, 120000),
    mongodbSocketTimeoutMs: readInteger(env, 'MONGODB_SOCKET_TIMEOUT_MS', DEFAULT_SOCKET_TIMEOUT_MS, problems, 100, 600000),
    mongodbMaxPoolSize: readInteger(env, 'MONGODB_MAX_POOL_SIZE', DEFAULT_MAX_POOL_SIZE, problems, 1, 1000),
    ttl: Object.freeze({
      accessTokenSeconds: readInteger(env, 'ACCESS_TOKEN_TTL_SECONDS', 10 * 60, problems),
      idTokenSeconds: readInteger(env, 'ID_TOKEN_TTL_SECONDS', 60 * 60, problems),
      refreshTokenSeconds: readInteger(env, 'REFRESH_TOKEN_TTL_SECONDS', 14 * day, problems),
      sessionSeconds: readInteger(env, 'SESSION_TTL_SECONDS', day, problems),
      interactionSeconds: readInteger(env, 'INTERACTION_TTL_SECONDS', 30 * 60, problems),
      grantSeconds: readInteger(env, 'GRANT_TTL_SECONDS', 14 * day, problems),
      authorizationCodeSeconds: 60,
    }),
    logLevel: readOneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, nodeEnv === 'test' ? 'silent' : 'info', problems),
    initialAccessToken: undefined,
    loginAttempts: Object.freeze({
      perSource: readInteger(env, 'LOGIN_ATTEMPTS_PER_SOURCE', 10, problems, 1, 10000),
      perAccount: readInteger(env, 'LOGIN_ATTEMPTS_PER_ACCOUNT', 10, problems, 1, 10000),
      perDevice: readInteger(env, 'LOGIN_ATTEMPTS_PER_DEVICE', 10, problems, 1, 10000),
      perPage: readInteger(env, 'LOGIN_ATTEMPTS_PER_PAGE', 10, problems, 1, 10000),
    }),
    requestLimits: Object.freeze({
      interactionsPerMinute: readInteger(env, 'SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE', 100, problems, 1, 1_000_000),
      signOutPagesPerMinute: readInteger(env, 'SIGN_OUT_PAGES_PER_SOURCE_PER_MINUTE', 30, problems, 1, 1_000_000),
      registrationsPerHour: readInteger(env, 'REGISTRATIONS_PER_SOURCE_PER_HOUR', 20, problems, 1, 1_000_000),
    }),
    passwordChecks: Object.freeze({
      concurrent: passwordConcurrency,
      // A wait of at most ~16 checks (~0.5 s): a busy minute is served, a flood is refused at once.
      queued: readInteger(env, 'PASSWORD_CHECK_QUEUE', 16 * passwordConcurrency, problems, 0, 10000),
      // Half the slots at most, so one source can never hold them all.
      perSource: readInteger(env, 'PASSWORD_CHECKS_PER_SOURCE', Math.max(1, Math.floor(passwordConcurrency / 2)), problems, 1, 256),
    }),
    // libuv's own default is 4; only read here to check it leaves room beside the password checks.
    threadPoolSize: readInteger(env, 'UV_THREADPOOL_SIZE', 4, problems, 1, 1024),
    auditRetentionDays: readInteger(env, 'AUDIT_RETENTION_DAYS', 90, problems, 1, 3650),
    initialAccessTokenExpiresAt: readFutureDateTime(env, 'INITIAL_ACCESS_TOKEN_EXPIRES_AT', problems),
    webfingerHosts: [],
    tls: readTlsFiles(env, problems),
    httpLimits: readHttpLimits(env, trustProxy, problems),
  };

  const initialAccessToken = env.INITIAL_ACCESS_TOKEN?.trim() || undefined;
  const tokenWeakness = initialAccessToken === undefined ? undefined : secretWeakness('INITIAL_ACCESS_TOKEN', initialAccessToken);
  if (tokenWeakness) problems.add(tokenWeakness);
  config.initialAccessToken = initialAccessToken;
  if (config.initialAccessTokenExpiresAt && !initialAccessToken) problems.add('INITIAL_ACCESS_TOKEN_EXPIRES_AT needs INITIAL_ACCESS_TOKEN');
  const issuerHost = URL.canParse(issuer) ? new URL(issuer).host : 'idp.localhost:3000';
  config.webfingerHosts = Object.freeze((env.WEBFINGER_HOSTS ?? issuerHost).split(',').map((h) => h.trim().toLowerCase()).filter(Boolean));

  checkTransport(config, problems);
  if (nodeEnv === 'production') checkProductionNeeds(config, problems);
  if (problems.list.length > 0 && !env.NODE_ENV) {
    problems.add('NODE_ENV is not set, so production rules apply; for a local run set NODE_ENV=development (npm start does)');
  }

  if (problems.list.length > 0) {
    throw new AppError('invalid_config', `Invalid configuration:\n${problems.list.map((p) => `  - ${p}`).join('\n')}`, { expose: true });
  }
  return Object.freeze(config);
}

/**
 * The environment `npm start` runs the IdP with: development and demo mode unless NODE_ENV and
 * DEMO say otherwise, and an initial access token for registering more apps unless
 * INITIAL_ACCESS_TOKEN is set.
 */
export function demoEnvironment(env: Env = process.env): Env {
  return { NODE_ENV: 'development', DEMO: 'true', INITIAL_ACCESS_TOKEN: randomBytes(24).toString('base64url'), ...env };
}

/**
 * What the admin CLI reads to reach a running IdP's Management API (src/admin/credentials.ts):
 * the issuer, the admin client's id and its secret. The secret has no command-line flag, so it
 * never lands in shell history or `ps`.
 */
export interface AdminCliEnvironment {
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
}

export function adminCliEnvironment(env: Env = process.env): AdminCliEnvironment {
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  return { issuer: value('SSO_ADMIN_ISSUER'), clientId: value('SSO_ADMIN_CLIENT_ID'), clientSecret: value('SSO_ADMIN_CLIENT_SECRET') };
}
