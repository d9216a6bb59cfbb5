import { availableParallelism } from 'node:os';
import { demoEnvironment, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { DEFAULT_SERVER_LIMITS } from '../../src/http/server-limits.js';

// Generated once (openssl rand -base64 32): a secret that passes secretWeakness().
const SECRET = 'q3Vt9kPz2mXcL8wHn4RyB6sJd0FaGe7U';
const PRODUCTION = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', TRUST_PROXY: 'true', MONGODB_URI: 'mongodb://db.internal:27017/idp' };
const DEVELOPMENT = { NODE_ENV: 'development' };

/** The AppError loadConfig throws for `env`, or a failure when it does not throw one. */
function configError(env: Record<string, string | undefined>): AppError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults to the demo issuer in development, listening on its port, with the documented lifetimes', () => {
    const config = loadConfig(DEVELOPMENT);
    expect(config).toMatchObject({
      issuer: 'http://idp.localhost:3000',
      port: 3000,
      host: '127.0.0.1',
      nodeEnv: 'development',
      cookieSecrets: [],
      keysRefreshSeconds: 60,
      demo: false,
      trustProxy: false,
      mongodbUri: undefined,
      logLevel: 'info',
      initialAccessToken: undefined,
      webfingerHosts: ['idp.localhost:3000'],
      tls: undefined,
    });
    expect(config.ttl).toEqual({
      accessTokenSeconds: 600,
      idTokenSeconds: 3600,
      refreshTokenSeconds: 14 * 86400,
      sessionSeconds: 86400,
      interactionSeconds: 1800,
      grantSeconds: 14 * 86400,
      authorizationCodeSeconds: 60,
    });
  });

  it('bounds every MongoDB wait by default: 5 s to reach a server, 5 s for an answer, 20 connections', () => {
    expect(loadConfig(DEVELOPMENT)).toMatchObject({ mongodbConnectAttempts: 5, mongodbConnectTimeoutMs: 5000, mongodbSocketTimeoutMs: 5000, mongodbMaxPoolSize: 20 });
    expect(loadConfig({ ...DEVELOPMENT, MONGODB_SOCKET_TIMEOUT_MS: '2500', MONGODB_MAX_POOL_SIZE: '50' })).toMatchObject({ mongodbSocketTimeoutMs: 2500, mongodbMaxPoolSize: 50 });
    expect(() => loadConfig({ ...DEVELOPMENT, MONGODB_SOCKET_TIMEOUT_MS: '0' })).toThrow(/MONGODB_SOCKET_TIMEOUT_MS must be a whole number from 100 to 600000/);
    expect(() => loadConfig({ ...DEVELOPMENT, MONGODB_MAX_POOL_SIZE: '0' })).toThrow(/MONGODB_MAX_POOL_SIZE must be a whole number from 1 to 1000/);
  });

  it('runs one password check per core without the thread-pool preload, with the queue and per-source share following it', () => {
    const concurrent = availableParallelism();
    expect(loadConfig(DEVELOPMENT).passwordChecks).toEqual({ concurrent, queued: 16 * concurrent, perSource: Math.max(1, Math.floor(concurrent / 2)) });
    expect(loadConfig({ ...DEVELOPMENT, PASSWORD_CHECK_CONCURRENCY: '2' }).passwordChecks).toEqual({ concurrent: 2, queued: 32, perSource: 1 });
  });

  it('listens on the issuer port unless PORT says otherwise, and drops trailing slashes from the issuer', () => {
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'https://id.example.com:8443/' })).toMatchObject({ issuer: 'https://id.example.com:8443', port: 8443 });
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'https://id.example.com:8443', PORT: '9000' }).port).toBe(9000);
  });

  it('reads numbers, booleans and lists from their variables', () => {
    const config = loadConfig({
      DEMO: 'yes',
      TRUST_PROXY: 'ON',
      ACCESS_TOKEN_TTL_SECONDS: '120',
      COOKIE_SECRETS: ` ${SECRET}1 , ${SECRET}2 `,
      MONGODB_URI: 'mongodb+srv://db.example.com/idp',
      WEBFINGER_HOSTS: 'Example.com, mail.example.com',
      NODE_ENV: 'test',
    });
    expect(config).toMatchObject({
      demo: true,
      trustProxy: true,
      cookieSecrets: [`${SECRET}1`, `${SECRET}2`],
      mongodbUri: 'mongodb+srv://db.example.com/idp',
      webfingerHosts: ['example.com', 'mail.example.com'],
      logLevel: 'silent',
    });
    expect(config.ttl.accessTokenSeconds).toBe(120);
  });

  it.each([
    [{ PORT: 'http' }, 'PORT must be a whole number from 0 to 65535 (got "http")'],
    [{ PORT: '65536' }, 'PORT must be a whole number from 0 to 65535 (got "65536")'],
    [{ PORT: '-1' }, 'PORT must be a whole number from 0 to 65535 (got "-1")'],
    [{ PORT: '80.5' }, 'PORT must be a whole number from 0 to 65535 (got "80.5")'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be true or false (got "maybe")'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test (got "staging")'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of debug, info, warn, error, silent (got "verbose")'],
    [{ ISSUER: 'id.example.com' }, 'ISSUER must be an absolute URL such as https://id.example.com (got "id.example.com")'],
    [{ ISSUER: 'ftp://id.example.com' }, 'ISSUER must use https (got "ftp://id.example.com")'],
    [{ ISSUER: 'https://id.example.com/?tenant=a' }, 'ISSUER must not contain a query or fragment (got "https://id.example.com/?tenant=a")'],
    [{ ISSUER: 'https://id.example.com/#top' }, 'ISSUER must not contain a query or fragment (got "https://id.example.com/#top")'],
    [{ NODE_ENV: 'production', ISSUER: 'http://id.example.com' }, 'ISSUER must use https in production (got "http://id.example.com")'],
    [{ COOKIE_SECRETS: `${SECRET},short` }, 'COOKIE_SECRETS entry 2 must be at least 32 characters (got 5)'],
    [{ COOKIE_SECRETS: 'x'.repeat(32) }, 'COOKIE_SECRETS entry 1 is too predictable'],
    [{ COOKIE_SECRETS: `${SECRET},${'ab'.repeat(20)}` }, 'COOKIE_SECRETS entry 2 is too predictable'],
    [{ INITIAL_ACCESS_TOKEN: 'x'.repeat(40) }, 'INITIAL_ACCESS_TOKEN is too predictable'],
    [{ ISSUER: 'https://admin:hunter2@id.example.com' }, 'ISSUER must not contain a user name or password (user:password@)'],
    [{ ISSUER: 'https://admin@id.example.com' }, 'ISSUER must not contain a user name or password'],
    [{ ISSUER: 'https://@id.example.com' }, 'ISSUER must not contain a user name or password'],
    [{ TLS_CERT_FILE: '/etc/idp/cert.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE go together'],
    [{ TLS_KEY_FILE: '/etc/idp/key.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE go together'],
    [{ TLS_CERT_FILE: '/etc/idp/cert.pem', TLS_KEY_FILE: '/etc/idp/key.pem', ISSUER: 'http://idp.localhost:3000' }, 'ISSUER must use https when the IdP serves TLS itself'],
    [{ HTTP_IDLE_TIMEOUT_SECONDS: '0' }, 'HTTP_IDLE_TIMEOUT_SECONDS must be a whole number from 1 to 300 (got "0")'],
    [{ HTTP_MAX_CONNECTIONS: 'lots' }, 'HTTP_MAX_CONNECTIONS must be a whole number from 1 to 1000000 (got "lots")'],
    [{ HTTP_HEADERS_TIMEOUT_SECONDS: '40' }, 'HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS'],
    [{ ...PRODUCTION, DEMO: 'true' }, 'DEMO must not be enabled in production'],
    [{ MONGODB_URI: 'postgres://db.example.com/idp' }, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'],
    [{ INITIAL_ACCESS_TOKEN: 'too-short' }, 'INITIAL_ACCESS_TOKEN must be at least 32 characters'],
  ])('refuses %j with an invalid_config error naming the problem', (env, message) => {
    const error = configError({ ...DEVELOPMENT, ...env });
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(message);
  });

  it('lists every problem in one error, not just the first', () => {
    const error = configError({ ...PRODUCTION, PORT: 'x', DEMO: 'maybe', NODE_ENV: 'prod', MONGODB_URI: 'mysql://db' });
    const problems = error.message.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toHaveLength(4);
    expect(error.message).toMatch(/^Invalid configuration:\n/);
    expect(error.expose).toBe(true);
  });

  it('accepts production with an https issuer and no COOKIE_SECRETS, leaving cookie secrets to the store', () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({ nodeEnv: 'production', issuer: 'https://id.example.com', cookieSecrets: [] });
  });

  it('returns a frozen config, down to its lists and lifetimes', () => {
    const config = loadConfig({ ...DEVELOPMENT, COOKIE_SECRETS: SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ttl)).toBe(true);
    expect(Object.isFrozen(config.cookieSecrets)).toBe(true);
    expect(Object.isFrozen(config.webfingerHosts)).toBe(true);
    expect(Object.isFrozen(config.httpLimits)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('demoEnvironment', () => {
  it('turns demo mode on and adds an initial access token that loadConfig accepts', () => {
    const env = demoEnvironment({ PORT: '4000' });
    expect(env).toMatchObject({ NODE_ENV: 'development', DEMO: 'true', PORT: '4000' });
    expect(env.INITIAL_ACCESS_TOKEN).toMatch(/^[\w-]{32}$/);
    expect(loadConfig(env)).toMatchObject({ demo: true, initialAccessToken: env.INITIAL_ACCESS_TOKEN, port: 4000 });
  });

  it('generates a different token each time', () => {
    expect(demoEnvironment({}).INITIAL_ACCESS_TOKEN).not.toBe(demoEnvironment({}).INITIAL_ACCESS_TOKEN);
  });

  it('lets the given environment override NODE_ENV, DEMO and the token', () => {
    expect(demoEnvironment({ NODE_ENV: 'test', DEMO: 'false', INITIAL_ACCESS_TOKEN: SECRET })).toEqual({ NODE_ENV: 'test', DEMO: 'false', INITIAL_ACCESS_TOKEN: SECRET });
  });

  it('runs in development even when nothing else is set', () => {
    expect(loadConfig(demoEnvironment({})).nodeEnv).toBe('development');
  });
});

describe('loadConfig, issuer edge cases', () => {
  it('refuses an issuer with an empty query or fragment', () => {
    expect(configError({ ISSUER: 'https://id.example.com/?' }).message).toContain('must not contain a query or fragment');
    expect(configError({ ISSUER: 'https://id.example.com#' }).message).toContain('must not contain a query or fragment');
  });

  it('listens on a default port written in the issuer, and treats an empty ISSUER as unset', () => {
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'http://idp.localhost:80' }).port).toBe(80);
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'https://id.example.com:443/' }).port).toBe(443);
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'https://id.example.com' }).port).toBe(3000);
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: '' }).issuer).toBe('http://idp.localhost:3000');
  });
});

describe('loadConfig, production by default', () => {
  it('applies production rules when NODE_ENV is unset, listing everything production needs and how to run locally', () => {
    const error = configError({});
    expect(error.message).toContain('ISSUER must use https in production (got "http://idp.localhost:3000")');
    expect(error.message).toContain('Production needs TLS: serve it here (TLS_CERT_FILE and TLS_KEY_FILE) or behind a TLS-terminating proxy');
    expect(error.message).toContain('Production needs MONGODB_URI');
    expect(error.message).toContain('NODE_ENV is not set, so production rules apply; for a local run set NODE_ENV=development');
  });

  it('applies production rules to a misspelt NODE_ENV as well as naming it', () => {
    const error = configError({ NODE_ENV: 'dev' });
    expect(error.message).toContain('NODE_ENV must be one of development, production, test (got "dev")');
    expect(error.message).toContain('ISSUER must use https in production');
  });

  it('treats an empty NODE_ENV as unset', () => {
    expect(configError({ NODE_ENV: '' }).message).toContain('ISSUER must use https in production');
  });

  it('refuses an https issuer that neither serves TLS itself nor trusts a proxy', () => {
    const { TRUST_PROXY: _, ...withoutProxy } = PRODUCTION;
    const error = configError(withoutProxy);
    expect(error.message).toContain('Production needs TLS');
    expect(error.message).not.toContain('NODE_ENV is not set');
  });

  it('accepts an https issuer served with its own certificate, without proxy trust', () => {
    const config = loadConfig({ ...PRODUCTION, TRUST_PROXY: 'false', TLS_CERT_FILE: '/etc/idp/cert.pem', TLS_KEY_FILE: '/etc/idp/key.pem' });
    expect(config).toMatchObject({ trustProxy: false, tls: { certFile: '/etc/idp/cert.pem', keyFile: '/etc/idp/key.pem' } });
  });

  it('accepts an https issuer without TLS or proxy trust outside production (its cookies then follow the connection)', () => {
    expect(loadConfig({ ...DEVELOPMENT, ISSUER: 'https://id.example.com' })).toMatchObject({ trustProxy: false, tls: undefined });
  });
});

describe('loadConfig, server limits', () => {
  it('bounds every connection in seconds, not minutes, by default: the values the README lists', () => {
    expect(loadConfig(DEVELOPMENT).httpLimits).toEqual({
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      idleTimeoutSeconds: 15,
      keepAliveTimeoutSeconds: 5,
      maxConnections: 2000,
      maxConnectionsPerAddress: 100,
    });
    expect(loadConfig(DEVELOPMENT).httpLimits).toEqual(DEFAULT_SERVER_LIMITS);
  });

  it('reads each limit from its variable', () => {
    const config = loadConfig({
      ...DEVELOPMENT,
      HTTP_HEADERS_TIMEOUT_SECONDS: '5',
      HTTP_REQUEST_TIMEOUT_SECONDS: '20',
      HTTP_IDLE_TIMEOUT_SECONDS: '8',
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '2',
      HTTP_MAX_CONNECTIONS: '500',
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '50',
    });
    expect(config.httpLimits).toEqual({ headersTimeoutSeconds: 5, requestTimeoutSeconds: 20, idleTimeoutSeconds: 8, keepAliveTimeoutSeconds: 2, maxConnections: 500, maxConnectionsPerAddress: 50 });
  });
});
