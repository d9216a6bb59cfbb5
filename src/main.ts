/**
 * The identity provider on its own (production entry): read config, build, listen, and shut
 * down gracefully on SIGTERM.
 */
import { loadConfig } from './config.js';
import { isAppError } from './errors.js';
import { close, listen } from './http/listen.js';
import { createIdp } from './idp.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const idp = await createIdp(config);
  const server = await listen(idp.app.callback(), config.port, config.host);
  idp.logger.info('idp.listening', { issuer: config.issuer, host: config.host, port: server.port });
  const shutdown = async () => {
    await close(server);
    await idp.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(isAppError(error) && error.expose ? error.message : error);
  process.exit(1);
});
