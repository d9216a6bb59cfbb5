/**
 * Runs site-a on its own: `npm run site-a`. Configured by ISSUER, SITE_A_URL,
 * SITE_A_CLIENT_ID and SITE_A_CLIENT_SECRET (see clients/shared/site-config.ts).
 */
import { listen } from '../../src/http/listen.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { createSiteA } from './app.js';
import { loadSiteAConfig } from './config.js';

const config = loadSiteAConfig();
// Loopback names (*.localhost) only matter for the demo; a real IdP resolves through DNS.
const site = createSiteA(config, config.allowInsecureHttp ? { fetch: createLoopbackFetch() } : {});
// The same timeouts and connection cap as the IdP (DEFAULT_SERVER_LIMITS in src/http/server-limits.ts).
await listen(site.app.callback(), config.port, config.host);
console.log(`site-a: ${config.siteUrl} (issuer ${config.issuer}, client ${config.clientId})`);
