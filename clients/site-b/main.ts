/**
 * Runs site-b on its own: `npm run site-b`. Configured by ISSUER, SITE_B_URL,
 * SITE_B_CLIENT_ID and SITE_B_CLIENT_SECRET (see clients/shared/site-config.ts).
 */
import { listen } from '../../src/http/listen.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { createSiteB } from './app.js';
import { loadSiteBConfig } from './config.js';

const config = loadSiteBConfig();
// Loopback names (*.localhost) only matter for the demo; a real IdP resolves through DNS.
const site = createSiteB(config, config.allowInsecureHttp ? { fetch: createLoopbackFetch() } : {});
// The same timeouts and connection cap as the IdP (DEFAULT_SERVER_LIMITS in src/http/server-limits.ts).
await listen(site.app.callback(), config.port, config.host);
console.log(`site-b: ${config.siteUrl} (issuer ${config.issuer}, client ${config.clientId})`);
