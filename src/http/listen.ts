import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverCreationOptions, type ServerLimits } from './server-limits.js';
import { answerParserRefusals, type ParserRefusals } from './parser-refusals.js';
import type { ResponseClass } from './security-headers.js';
import type { TlsCredentials } from './tls-files.js';

export type Server = http.Server | https.Server;

export interface ServerOptions {
  /** Timeouts and the connection cap (server-limits.ts); the defaults when not given. */
  limits?: Readonly<ServerLimits>;
  /** Serve https with this certificate and key instead of plain http. */
  tls?: TlsCredentials;
  /** The class of every response (the IdP's: security-headers.ts); Node's own when not given. */
  responses?: ResponseClass;
  /** What requests the HTTP parser refuses are answered with (parser-refusals.ts); Node's bare status line when not given. */
  refusals?: ParserRefusals;
}

/** A server with its limits set, not yet listening; `handler` may be attached later. */
export function createServer(handler: http.RequestListener | undefined, options: ServerOptions & { tls: TlsCredentials }): https.Server;
export function createServer(handler?: http.RequestListener, options?: ServerOptions): Server;
export function createServer(handler?: http.RequestListener, options: ServerOptions = {}): Server {
  const limits = options.limits ?? DEFAULT_SERVER_LIMITS;
  const creation = { ...serverCreationOptions(limits), ...(options.responses ? { ServerResponse: options.responses as typeof http.ServerResponse } : {}) };
  const server = options.tls
    ? // A TLS handshake that stalls (or a socket that never sends its ClientHello) is held by
      // handshakeTimeout, not by the HTTP timeouts, which start after it: Node's default is 120 s.
      https.createServer({ ...creation, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: limits.headersTimeoutSeconds * 1000 })
    : http.createServer(creation);
  applyServerLimits(server, limits);
  if (options.refusals) answerParserRefusals(server, options.refusals);
  if (handler) server.on('request', handler);
  return server;
}

/** Starts a server for a request handler; resolves once it listens. */
export async function listen(handler: http.RequestListener, port: number, host: string, options: ServerOptions = {}): Promise<Server & { port: number }> {
  const server = createServer(handler, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
