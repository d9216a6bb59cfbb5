import type http from 'node:http';
import { close, createServer, listen, type Server } from '../../src/http/listen.js';
import { CONNECTIONS_CHECK_INTERVAL_MS, DEFAULT_SERVER_LIMITS, MAX_HEADER_BYTES, MAX_HEADERS_COUNT } from '../../src/http/server-limits.js';
import { fetchTrusting, selfSignedCertificate, type TestCertificate } from '../support/certificate.js';
import { closedWithin, openSocket } from '../support/raw-socket.js';

const servers: Server[] = [];
let certificate: TestCertificate;
beforeAll(() => {
  certificate = selfSignedCertificate();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});
afterAll(() => {
  certificate.remove();
});

async function started(handler: http.RequestListener, options: Parameters<typeof listen>[3] = {}) {
  const server = await listen(handler, 0, '127.0.0.1', options);
  servers.push(server);
  return server;
}

const limitsOf = (server: Server) => ({
  headersTimeout: server.headersTimeout,
  requestTimeout: server.requestTimeout,
  idleTimeout: server.timeout,
  keepAliveTimeout: server.keepAliveTimeout,
  maxConnections: server.maxConnections,
  maxHeadersCount: server.maxHeadersCount,
  maxHeaderSize: (server as unknown as { maxHeaderSize: number }).maxHeaderSize,
  connectionsCheckingInterval: (server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval,
});

describe('createServer', () => {
  it('bounds every server by default in seconds, not minutes, and caps its connections', () => {
    const expected = {
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      idleTimeout: 15_000,
      keepAliveTimeout: 5_000,
      maxConnections: 2000,
      maxHeadersCount: 100,
      maxHeaderSize: 16 * 1024,
      connectionsCheckingInterval: 1000,
    };
    expect(limitsOf(createServer())).toEqual(expected);
    expect(limitsOf(createServer(undefined, { tls: certificate }))).toEqual(expected);
    expect(DEFAULT_SERVER_LIMITS.headersTimeoutSeconds * 1000).toBe(expected.headersTimeout);
    expect(CONNECTIONS_CHECK_INTERVAL_MS).toBe(expected.connectionsCheckingInterval);
  });

  it('applies the limits it is given', () => {
    const limits = { headersTimeoutSeconds: 2, requestTimeoutSeconds: 3, idleTimeoutSeconds: 4, keepAliveTimeoutSeconds: 1, maxConnections: 7, maxConnectionsPerAddress: 5 };
    expect(limitsOf(createServer(undefined, { limits }))).toMatchObject({ headersTimeout: 2000, requestTimeout: 3000, idleTimeout: 4000, keepAliveTimeout: 1000, maxConnections: 7 });
  });
});

describe('listen', () => {
  it(`answers 431 to headers larger than ${MAX_HEADER_BYTES} bytes, without calling the handler`, async () => {
    let called = false;
    const server = await started((_req, res) => {
      called = true;
      res.end();
    });
    const raw = await openSocket(server.port);
    raw.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`);
    await closedWithin(raw, 10_000);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(called).toBe(false);
  });

  it(`never hands the handler more than about ${MAX_HEADERS_COUNT} headers, however many are sent`, async () => {
    let calls = 0;
    const server = await started((req, res) => {
      calls += 1;
      res.end(String(req.rawHeaders.length / 2));
    });
    const send = async (count: number) => {
      const headers = Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-header-${i}`, 'v']));
      const response = await fetch(`http://127.0.0.1:${server.port}/`, { headers });
      return { status: response.status, seen: Number(await response.text()) };
    };
    const few = await send(50);
    expect(few.status).toBe(200);
    expect(few.seen).toBeGreaterThanOrEqual(50);
    calls = 0;
    const [some, many] = [await send(300), await send(600)];
    expect(many).toEqual(some);
    if (some.status === 431) {
      // Node 22.23.2+, 24.18.1+, 26.5.1+ (the fix for CVE-2026-58044): refused before any handler.
      expect(calls).toBe(0);
    } else {
      // Node 20: the parser hands headers over in batches of 32 and stops collecting past the limit.
      expect(some.status).toBe(200);
      expect(some.seen).toBeGreaterThanOrEqual(MAX_HEADERS_COUNT);
      expect(some.seen).toBeLessThanOrEqual(MAX_HEADERS_COUNT + 32);
    }
  });

  it('serves https with the certificate and key it is given', async () => {
    const server = await started((req, res) => res.end(`secure: ${'encrypted' in req.socket}`), { tls: certificate });
    const response = await fetchTrusting(certificate.cert)(`https://idp.localhost:${server.port}/`);
    expect(await response.text()).toBe('secure: true');
  });

  it('closes a TLS connection that never starts its handshake, at the headers timeout', async () => {
    // Node's own handshake timeout is 120 s; this server's headers timeout is 1 s.
    const limits = { ...DEFAULT_SERVER_LIMITS, headersTimeoutSeconds: 1 };
    const server = await started(() => {}, { tls: certificate, limits });
    const raw = await openSocket(server.port);
    expect(await closedWithin(raw, 8000)).toBe('closed');
  });
});
