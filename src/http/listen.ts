import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverCreationOptions, type ServerLimits } from './server-limits.js';

export type Server = http.Server;

export interface ServerOptions {
  /** Timeouts and the connection cap (server-limits.ts); the defaults when not given. */
  limits?: Readonly<ServerLimits>;
}

/** A server with its limits set, not yet listening; `handler` may be attached later. */
export function createServer(handler?: http.RequestListener, options: ServerOptions = {}): Server {
  const limits = options.limits ?? DEFAULT_SERVER_LIMITS;
  const server = http.createServer(serverCreationOptions(limits));
  applyServerLimits(server, limits);
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
