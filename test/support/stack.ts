/**
 * Starts the real IdP and the real sample sites on loopback ports chosen by the OS. Each server
 * listens first, so its public URL (http://<name>.localhost:<port>) is known before the app that
 * needs it is built.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createSiteA } from '../../clients/site-a/app.js';
import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { createSiteB } from '../../clients/site-b/app.js';
import { loadSiteBConfig, type SiteBConfig } from '../../clients/site-b/config.js';
import type { SiteConfig } from '../../clients/shared/site-config.js';
import { seedDemo } from '../../src/bin/demo-seed.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/http/listen.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { applyServerLimits } from '../../src/http/server-limits.js';
import { createIdp, type Idp } from '../../src/idp.js';
import type { Storage } from '../../src/storage/types.js';

export interface Reserved {
  server: http.Server;
  port: number;
  url(name: string): string;
  close(): Promise<void>;
}

export async function reservePort(wanted = 0): Promise<Reserved> {
  // Limits as in production (the defaults here; startIdp applies its IdP's configured ones).
  const server = createServer();
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

export interface RunningIdp extends Idp {
  issuer: string;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * `port` restarts an IdP where a stopped one listened; `issuer` runs a second instance of an
 * existing IdP (same issuer, other port), as behind a load balancer.
 */
export async function startIdp(options: { env?: Record<string, string>; storage?: Storage; port?: number; issuer?: string } = {}): Promise<RunningIdp> {
  const reserved = await reservePort(options.port);
  const issuer = options.issuer ?? reserved.url('idp');
  const config = loadConfig({ NODE_ENV: 'test', DEMO: 'true', ISSUER: issuer, ...options.env });
  const idp = await createIdp(config, { storage: options.storage });
  applyServerLimits(reserved.server, config.httpLimits);
  reserved.server.on('request', idp.app.callback());
  return Object.assign(idp, {
    issuer,
    port: reserved.port,
    /** This instance's own address (differs from the issuer for a second instance). */
    url: reserved.url('idp'),
    async stop() {
      await reserved.close();
      await idp.close();
    },
  });
}

export interface Stack {
  idp: RunningIdp;
  siteA: { url: string; config: SiteConfig; app: ReturnType<typeof createSiteA> };
  siteB: { url: string; config: SiteBConfig; app: ReturnType<typeof createSiteB> };
  stop(): Promise<void>;
}

/** `sitesOnIp`: the sites answer at http://127.0.0.1:<port> instead of <name>.localhost. */
export async function startStack(options: { idp?: RunningIdp; sitesOnIp?: boolean } = {}): Promise<Stack> {
  const idp = options.idp ?? (await startIdp());
  const [a, b] = [await reservePort(), await reservePort()];
  const siteUrl = (reserved: Reserved, name: string) => (options.sitesOnIp ? `http://127.0.0.1:${reserved.port}` : reserved.url(name));
  const secret = () => randomBytes(24).toString('base64url');
  const siteAConfig = loadSiteAConfig({ SITE_A_URL: siteUrl(a, 'site-a'), ISSUER: idp.issuer, SITE_A_CLIENT_SECRET: secret() });
  const siteBConfig = loadSiteBConfig({ SITE_B_URL: siteUrl(b, 'site-b'), ISSUER: idp.issuer, SITE_B_CLIENT_SECRET: secret() });
  await seedDemo(idp, { siteA: siteAConfig, siteB: siteBConfig });
  const fetch = createLoopbackFetch();
  const siteA = createSiteA(siteAConfig, { fetch });
  const siteB = createSiteB(siteBConfig, { fetch });
  a.server.on('request', siteA.app.callback());
  b.server.on('request', siteB.app.callback());
  return {
    idp,
    siteA: { url: siteAConfig.siteUrl, config: siteAConfig, app: siteA },
    siteB: { url: siteBConfig.siteUrl, config: siteBConfig, app: siteB },
    async stop() {
      await Promise.all([a.close(), b.close()]);
      if (!options.idp) await idp.stop();
    },
  };
}
