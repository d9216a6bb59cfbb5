/**
 * The bare baseline server of `npm run bench`: oidc-provider's own Koa app with our interaction
 * URLs on it (bench/baseline/pages.ts) and nothing else, listening on ISSUER's port. The harness
 * starts it exactly as it starts our IdP (bench/harness/servers.ts) and stops it with SIGTERM.
 */
import http from 'node:http';
import { BASELINE_HEADERS_ENV, benchClientSecret } from '../fixture.js';
import { baselineHandler } from './handler.js';
import { createBaselinePages } from './pages.js';
import { createBaselineProvider } from './provider.js';

const issuer = process.env.ISSUER;
if (!issuer) throw new Error('ISSUER is not set: start this server through `npm run bench`');

const provider = await createBaselineProvider(issuer, benchClientSecret(process.env));
const pages = await createBaselinePages(provider);
provider.use(pages.routes());

const server = http.createServer(baselineHandler(provider.callback(), { ourHeaders: process.env[BASELINE_HEADERS_ENV] === '1' }));
await new Promise<void>((resolve) => server.listen(Number(new URL(issuer).port), '127.0.0.1', resolve));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
