import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts an HTTP server for a request handler; resolves once it listens. */
export async function listen(handler: http.RequestListener, port: number, host: string): Promise<http.Server & { port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
