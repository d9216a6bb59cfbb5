/**
 * Starts the real IdP and the real sample sites on loopback ports chosen by the OS. Each server
 * listens first, so its public URL (http://<name>.localhost:<port>) is known before the app that
 * needs it is built. The IdP reserves its sites' ports too: in demo mode it calls only the site
 * origins it was configured with (DEMO_SITE_ORIGINS), so it must know them when it starts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createSiteA } from '../../clients/site-a/app.js';
import { loadSiteAConfig, type SiteAConfig } from '../../clients/site-a/config.js';
import { createSiteB } from '../../clients/site-b/app.js';
import { loadSiteBConfig, type SiteBConfig } from '../../clients/site-b/config.js';
import { seedDemo } from '../../src/bin/demo-seed.js';
import { loadConfig } from '../../src/config.js';
import { createServer, type ServerOptions } from '../../src/http/listen.js';
import { idpServerOptions } from '../../src/http/listen-idp.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { answerParserRefusals } from '../../src/http/parser-refusals.js';
import { applyServerLimits, DEFAULT_SERVER_LIMITS } from '../../src/http/server-limits.js';
import { createIdp, type Idp } from '../../src/idp.js';
import type { Logger } from '../../src/logger.js';
import type { Storage } from '../../src/storage/types.js';

export interface Reserved {
  server: http.Server;
  port: number;
  url(name: string): string;
  close(): Promise<void>;
}

export async function reservePort(wanted = 0, answers: Pick<ServerOptions, 'responses' | 'refusals'> = {}): Promise<Reserved> {
  // Limits as in production (the defaults here; startIdp applies its IdP's configured ones).
  const server = createServer(undefined, answers);
  await new Promise<void>((resolve) => server.listen(wanted, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: (name) => `http://${name}.localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SiteSlot {
  reserved: Reserved;
  url: string;
}

export interface RunningIdp extends Idp {
  issuer: string;
  port: number;
  url: string;
  /** Where startStack runs site-a and site-b for this IdP: the origins in its DEMO_SITE_ORIGINS. */
  sites: { a: SiteSlot; b: SiteSlot };
  stop(): Promise<void>;
}

/**
 * `port` restarts an IdP where a stopped one listened; `issuer` runs a second instance of an
 * existing IdP (same issuer, other port), as behind a load balancer. `sitesOnIp`: its sites will
 * answer at http://127.0.0.1:<port> instead of <name>.localhost; `sitesOverHttps`: at
 * https://<name>.localhost:<port> (behind a stand-in TLS proxy, see startStack).
 */
export async function startIdp(
  options: { env?: Record<string, string>; storage?: Storage; port?: number; issuer?: string; sitesOnIp?: boolean; sitesOverHttps?: boolean; logger?: Logger } = {},
): Promise<RunningIdp> {
  // Answers as listenIdp makes them: the security headers sent from the response class, the error
  // page for what the HTTP parser refuses. Whether with HSTS depends on the issuer's scheme, known
  // here only when it is given (else http).
  const reserved = await reservePort(options.port, idpServerOptions(options.issuer ?? 'http://idp.localhost'));
  const issuer = options.issuer ?? reserved.url('idp');
  const slot = async (name: string): Promise<SiteSlot> => {
    const site = await reservePort();
    // As for the IdP below: every test browser comes from 127.0.0.1, and each HttpClient keeps its
    // own kept-alive connections, so a test making many browsers (the fuzz test) held over 100 at
    // a site at once and was refused by the per-address cap, rightly. The cap is tested on its own
    // (server-limits.test.ts); the sites' other limits stay as in production.
    applyServerLimits(site.server, { ...DEFAULT_SERVER_LIMITS, maxConnectionsPerAddress: 0 });
    const url = options.sitesOnIp ? `http://127.0.0.1:${site.port}` : options.sitesOverHttps ? `https://${name}.localhost:${site.port}` : site.url(name);
    return { reserved: site, url };
  };
  const sites = { a: await slot('site-a'), b: await slot('site-b') };
  // Every test browser comes from 127.0.0.1: the per-address limits get tested on their own.
  const unlimited = { SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE: '1000000', REGISTRATIONS_PER_SOURCE_PER_HOUR: '1000000', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '1000000' };
  const config = loadConfig({ NODE_ENV: 'test', DEMO: 'true', ISSUER: issuer, DEMO_SITE_ORIGINS: `${sites.a.url},${sites.b.url}`, ...unlimited, ...options.env });
  const idp = await createIdp(config, { storage: options.storage, logger: options.logger });
  applyServerLimits(reserved.server, config.httpLimits);
  reserved.server.on('request', idp.app.callback());
  return Object.assign(idp, {
    issuer,
    port: reserved.port,
    /** This instance's own address (differs from the issuer for a second instance). */
    url: reserved.url('idp'),
    sites,
    async stop() {
      await Promise.all([reserved.close(), sites.a.reserved.close(), sites.b.reserved.close()]);
      await idp.close();
    },
  });
}

/** `server`: where the site listens; a test restarts a site by giving it another app's callback. */
export interface Stack {
  idp: RunningIdp;
  siteA: { url: string; config: SiteAConfig; app: ReturnType<typeof createSiteA>; server: http.Server };
  siteB: { url: string; config: SiteBConfig; app: ReturnType<typeof createSiteB>; server: http.Server };
  stop(): Promise<void>;
}

/**
 * Runs site-a and site-b in the slots `idp` reserved for them (see startIdp). `https`: the sites'
 * URLs are https://<name>.localhost:<port> and they trust a proxy, as behind a TLS terminator; the
 * requests still arrive over plain http, marked X-Forwarded-Proto: https.
 */
export async function startStack(options: { idp?: RunningIdp; https?: boolean } = {}): Promise<Stack> {
  const idp = options.idp ?? (await startIdp({ sitesOverHttps: options.https }));
  const { a, b } = idp.sites;
  // One app per slot: a second start on an IdP whose sites still run would answer every request twice.
  if (a.reserved.server.listenerCount('request') + b.reserved.server.listenerCount('request') > 0) throw new Error('the sites of this IdP are running already: stop that stack first');
  const secret = () => randomBytes(24).toString('base64url');
  const trust = String(a.url.startsWith('https:'));
  const siteAConfig = loadSiteAConfig({ SITE_A_URL: a.url, ISSUER: idp.issuer, SITE_A_CLIENT_SECRET: secret(), SITE_A_TRUST_PROXY: trust });
  const siteBConfig = loadSiteBConfig({ SITE_B_URL: b.url, ISSUER: idp.issuer, SITE_B_CLIENT_SECRET: secret(), SITE_B_TRUST_PROXY: trust });
  await seedDemo(idp, { siteA: siteAConfig, siteB: siteBConfig });
  const fetch = createLoopbackFetch();
  const siteA = createSiteA(siteAConfig, { fetch });
  const siteB = createSiteB(siteBConfig, { fetch });
  a.reserved.server.on('request', siteA.app.callback());
  b.reserved.server.on('request', siteB.app.callback());
  // As `npm run site-a` and the demo serve them: their own page for what the HTTP parser refuses.
  const unanswered = [answerParserRefusals(a.reserved.server, siteA.refusals), answerParserRefusals(b.reserved.server, siteB.refusals)];
  return {
    idp,
    siteA: { url: siteAConfig.siteUrl, config: siteAConfig, app: siteA, server: a.reserved.server },
    siteB: { url: siteBConfig.siteUrl, config: siteBConfig, app: siteB, server: b.reserved.server },
    async stop() {
      // The ports stay the IdP's until it stops: a later startStack({ idp }) runs the sites there again.
      [a, b].forEach((slot, index) => {
        // Every handler: a test may have restarted the site with another (restart-site.ts).
        slot.reserved.server.removeAllListeners('request');
        unanswered[index]!();
        slot.reserved.server.closeAllConnections();
      });
      if (!options.idp) await idp.stop();
    },
  };
}
