/**
 * How long and how much one client may hold a server: every IdP and sample-site server gets these,
 * so a connection costs an attacker as much as it costs us. Node's own defaults are 60 s for
 * headers and 300 s for a request, checked only every 30 s, with no connection cap.
 *
 * Which timeout catches what (Node 20, lib/_http_server.js and src/node_http_parser.cc):
 * - a socket that never sends a byte: headersTimeout, counted from the moment the connection is
 *   accepted (Node puts every new connection on the checked list against exactly this attack,
 *   CVE-2018-12122), answered 408 and closed;
 * - headers sent slowly: headersTimeout again;
 * - a body trickled slowly, each byte inside the idle timeout: requestTimeout (408);
 * - a kept-alive socket between requests: keepAliveTimeout;
 * - no traffic either way for idleTimeout, whatever the state (a client that stops reading its
 *   response, a request our code takes too long to answer): the socket is destroyed.
 * The two request timeouts are enforced by a timer every `connectionsCheckingInterval`, which is
 * fixed when the server is created (default 30 s, so a 10 s timeout could take 40 s).
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';

export interface ServerLimits {
  /** From a connection's start (then each request's first byte) until the headers are complete (RFC 9110 section 15.5.9: 408). */
  headersTimeoutSeconds: number;
  /** From a request's first byte until the whole request, body included, has arrived. */
  requestTimeoutSeconds: number;
  /** A socket with no traffic either way for this long is destroyed. */
  idleTimeoutSeconds: number;
  /** How long a kept-alive socket waits for its next request (RFC 9112 section 9.3). */
  keepAliveTimeoutSeconds: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
  /**
   * Connections one client address may hold at once, so one client can't take every place under
   * maxConnections from everyone else; 0: no such cap (behind a proxy every connection comes from
   * the proxy, which must enforce it itself).
   */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  idleTimeoutSeconds: 15,
  keepAliveTimeoutSeconds: 5,
  maxConnections: 2000,
  maxConnectionsPerAddress: 100,
});

/** Request line plus headers; Node's default, named here so it can't drift (431 beyond it). */
export const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Browsers send about twenty. Current Node lines refuse a request with more with 431 before any
 * handler runs (the fix for CVE-2026-58044, in 22.23.2, 24.18.1 and 26.5.1); Node 20 instead
 * stops collecting headers once past this count, taking them in batches of 32, so up to 32 more
 * arrive there. Never an unbounded number.
 */
export const MAX_HEADERS_COUNT = 100;
/** How often the headers and request timeouts are checked. */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

/** What can only be given when a server is created. */
export function serverCreationOptions(limits: Readonly<ServerLimits>): http.ServerOptions {
  return {
    connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout: limits.headersTimeoutSeconds * 1000,
    requestTimeout: limits.requestTimeoutSeconds * 1000,
  };
}

/** Sets every limit that a server reads per connection; safe to call again before listening. */
export function applyServerLimits(server: http.Server | https.Server, limits: Readonly<ServerLimits>): void {
  server.headersTimeout = limits.headersTimeoutSeconds * 1000;
  server.requestTimeout = limits.requestTimeoutSeconds * 1000;
  server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.maxConnections = limits.maxConnections;
  // With no 'timeout' listener Node destroys the socket (socketOnTimeout in _http_server.js).
  server.setTimeout(limits.idleTimeoutSeconds * 1000);
  capConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
}

const perAddressCaps = new WeakMap<http.Server | https.Server, { cap: number }>();

/** Destroys a new connection whose address already holds `cap`; bounded by the connections open. */
function capConnectionsPerAddress(server: http.Server | https.Server, cap: number): void {
  const existing = perAddressCaps.get(server);
  if (existing) {
    existing.cap = cap;
    return;
  }
  const setting = { cap };
  perAddressCaps.set(server, setting);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (setting.cap === 0) return;
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= setting.cap) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
