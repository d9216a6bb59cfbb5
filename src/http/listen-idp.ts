/**
 * Where the IdP itself listens, as configured: its port and interface, its server limits, https
 * when TLS_CERT_FILE and TLS_KEY_FILE are set (read here, once, at start-up), and responses that
 * send the security headers themselves (security-headers.ts).
 */
import type http from 'node:http';
import type { Config } from '../config.js';
import { listen, type Server } from './listen.js';
import { idpResponses } from './security-headers.js';
import { readTlsFiles } from './tls-files.js';

export async function listenIdp(handler: http.RequestListener, config: Readonly<Config>): Promise<Server & { port: number }> {
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  return listen(handler, config.port, config.host, { limits: config.httpLimits, tls, responses: idpResponses(config.issuer) });
}
