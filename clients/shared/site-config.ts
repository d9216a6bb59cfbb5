/**
 * Reads one sample site's settings from the environment. A site needs only the issuer URL and
 * its own client credentials; everything else it learns from discovery.
 */
import { isLoopbackHost } from '../../src/http/loopback-resolver.js';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import { secretWeakness } from '../../src/secret-strength.js';

export interface SiteConfig {
  /** Shown in the page header and to the IdP's pages via client_name. */
  name: string;
  /** Public origin of the site, e.g. http://site-a.localhost:3001 */
  siteUrl: string;
  port: number;
  host: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Signs the site's own cookies. */
  cookieSecret: string;
  sessionTtlSeconds: number;
  /** http is accepted only when the issuer is on loopback (the demo). */
  allowInsecureHttp: boolean;
  /**
   * Koa's `app.proxy`: believe X-Forwarded-Proto (and -For, -Host) from the TLS-terminating proxy
   * in front. Required for an https site URL: the sites serve plain http themselves.
   */
  trustProxy: boolean;
  /** The site's own state (sessions or deny-list, logout-token replays) in MongoDB; memory when unset. */
  mongodbUri?: string;
}

type Env = Record<string, string | undefined>;

/** Reads the settings a particular site adds; problems are reported with the common ones. */
export interface SettingReader {
  positiveInteger(name: string, fallback: number): number;
}

/** The IdP's own test of a loopback host (*.localhost, 127.0.0.0/8 as an address, ::1): not "127.attacker.example". */
function isLoopbackUrl(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/** `prefix` is SITE_A or SITE_B: SITE_A_URL, SITE_A_CLIENT_SECRET, ... */
export function loadSiteConfig<Extra extends object = object>(
  prefix: string,
  defaults: { siteUrl: string; clientId: string; name: string },
  env: Env = process.env,
  extra: (read: SettingReader) => Extra = () => ({}) as Extra,
): Readonly<SiteConfig & Extra> {
  const problems: string[] = [];
  const readUrl = (name: string, fallback: string): URL => {
    const raw = env[name] ?? fallback;
    const url = URL.parse(raw);
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      problems.push(`${name} must be an http(s) URL (got "${raw}")`);
      return new URL(fallback);
    }
    return url;
  };
  const read: SettingReader = {
    positiveInteger(name, fallback) {
      const raw = env[name] ?? String(fallback);
      const value = Number(raw);
      if (/^\d+$/.test(raw) && Number.isSafeInteger(value) && value > 0) return value;
      problems.push(`${name} must be a positive whole number (got "${raw}")`);
      return fallback;
    },
  };
  const flag = (name: string): boolean => {
    const raw = (env[name] || 'false').trim().toLowerCase();
    if (raw === 'true' || raw === 'false') return raw === 'true';
    problems.push(`${name} must be true or false (got "${env[name]}")`);
    return false;
  };

  const siteUrl = readUrl(`${prefix}_URL`, defaults.siteUrl);
  const issuer = readUrl('ISSUER', 'http://idp.localhost:3000');
  const clientSecret = env[`${prefix}_CLIENT_SECRET`] ?? '';
  if (clientSecret.length === 0) problems.push(`${prefix}_CLIENT_SECRET is required (the secret the IdP issued to this site)`);
  // The IdP issues 256-bit secrets; a hand-typed one would make the site's client guessable.
  else {
    const weakness = secretWeakness(`${prefix}_CLIENT_SECRET`, clientSecret);
    if (weakness) problems.push(weakness);
  }
  const sessionTtlSeconds = read.positiveInteger(`${prefix}_SESSION_TTL_SECONDS`, 28800);
  const allowInsecureHttp = issuer.protocol === 'http:' && isLoopbackUrl(issuer);
  if (issuer.protocol === 'http:' && !allowInsecureHttp) problems.push('ISSUER must use https unless it is on loopback');

  // The cookie secret is an HS256 key for site-b and signs site-a's cookies: a short or
  // predictable one can be found offline from a single cookie.
  const setSecret = env[`${prefix}_COOKIE_SECRET`];
  const weakness = setSecret === undefined ? undefined : secretWeakness(`${prefix}_COOKIE_SECRET`, setSecret);
  if (weakness) problems.push(weakness);

  const trustProxy = flag(`${prefix}_TRUST_PROXY`);
  if (siteUrl.protocol === 'http:' && !isLoopbackUrl(siteUrl)) {
    problems.push(`${prefix}_URL must use https unless the site is on loopback (its cookies would travel in clear)`);
  }
  if (siteUrl.protocol === 'https:' && !trustProxy) {
    // Secure cookies need the request to count as https, and the site never terminates TLS itself.
    problems.push(`${prefix}_URL is https, but the site serves plain http: run it behind a TLS-terminating proxy that sets X-Forwarded-Proto and set ${prefix}_TRUST_PROXY=true`);
  }
  const mongodbUri = env[`${prefix}_MONGODB_URI`] || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) problems.push(`${prefix}_MONGODB_URI must start with mongodb:// or mongodb+srv://`);

  const more = extra(read);
  if (problems.length > 0) throw new AppError('invalid_config', `Invalid ${prefix} configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { expose: true });

  return Object.freeze({
    name: env[`${prefix}_NAME`] ?? defaults.name,
    siteUrl: siteUrl.origin,
    port: Number(siteUrl.port) || (siteUrl.protocol === 'https:' ? 443 : 80),
    host: env[`${prefix}_HOST`] ?? '127.0.0.1',
    issuer: issuer.href.replace(/\/$/, ''),
    clientId: env[`${prefix}_CLIENT_ID`] ?? defaults.clientId,
    clientSecret,
    cookieSecret: setSecret ?? randomBytes(32).toString('base64url'),
    sessionTtlSeconds,
    allowInsecureHttp,
    trustProxy,
    ...(mongodbUri ? { mongodbUri } : {}),
    ...more,
  });
}
