/**
 * The identity provider on its own (production entry): read config, build, listen, and shut
 * down gracefully on SIGTERM.
 */
import { loadConfig } from './config.js';
import { runMain } from './bin/run-main.js';
import { listen } from './http/listen.js';
import { createIdp } from './idp.js';

runMain(async () => {
  const config = loadConfig();
  const idp = await createIdp(config);
  const server = await listen(idp.app.callback(), config.port, config.host, { limits: config.httpLimits });
  idp.logger.info('idp.listening', { issuer: config.issuer, host: config.host, port: server.port });
  return { servers: [server], stop: () => idp.close() };
});
