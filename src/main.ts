/**
 * The identity provider on its own (production entry): read config, build, listen, and shut
 * down gracefully on SIGTERM.
 */
import { loadConfig } from './config.js';
import { runMain } from './bin/run-main.js';
import { listenIdp } from './http/listen-idp.js';
import { createIdp } from './idp.js';

runMain(async () => {
  const config = loadConfig();
  const idp = await createIdp(config);
  const server = await listenIdp(idp.app.callback(), config);
  idp.logger.info('idp.listening', { issuer: config.issuer, host: config.host, port: server.port, tls: config.tls !== undefined });
  return { servers: [server], stop: () => idp.close() };
});
