import { closedWithin, getOn, openSocket, trickle, type RawSocket } from '../support/raw-socket.js';
import { loadConfig } from '../../src/config.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

/**
 * Holding connections open costs an attacker nothing unless the server lets go first (issue 8,
 * item 9). These IdPs run with limits of a second or two so the suite stays quick; the defaults
 * (seconds, not minutes) are pinned in test/unit/config.test.ts and test/unit/listen.test.ts.
 */
const SHORT_LIMITS = {
  HTTP_HEADERS_TIMEOUT_SECONDS: '1',
  HTTP_REQUEST_TIMEOUT_SECONDS: '2',
  HTTP_IDLE_TIMEOUT_SECONDS: '2',
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
};
// Far beyond every limit above (the connection check runs every second), far below Node's own
// defaults: a server without our limits keeps each of these connections for minutes.
const GRACE_MS = 10_000;

let idp: RunningIdp;
const sockets: RawSocket[] = [];
const open = async (port = idp.port) => {
  const raw = await openSocket(port);
  sockets.push(raw);
  return raw;
};
const host = () => new URL(idp.url).host;

beforeAll(async () => {
  idp = await startIdp({ env: SHORT_LIMITS });
});
afterEach(() => {
  for (const raw of sockets.splice(0)) raw.socket.destroy();
});
afterAll(async () => {
  await idp.stop();
});

describe('the IdP server, against connections held open', () => {
  it('closes a connection that never sends a byte', async () => {
    const raw = await open();
    expect(await closedWithin(raw, GRACE_MS)).toBe('closed');
    // Nothing, or Node's 408 on the way out: never a page.
    expect(raw.received()).toMatch(/^$|^HTTP\/1\.1 408 /);
  });

  it('answers 408 and hangs up when the headers arrive too slowly', async () => {
    const raw = await open();
    raw.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host()}\r\n`);
    const sent = await trickle(raw, 'X-Slow: '.padEnd(200, 'a'), 300);
    expect(await closedWithin(raw, GRACE_MS)).toBe('closed');
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(200);
  });

  it('cuts off a request body trickled one byte at a time, long before it is complete', async () => {
    const raw = await open();
    const body = 'grant_type=authorization_code&code='.padEnd(1000, 'x');
    raw.socket.write(`POST /token HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`);
    // Each byte comes well inside the idle timeout, so only the whole-request timeout can stop it.
    const sent = await trickle(raw, body, 300);
    expect(await closedWithin(raw, GRACE_MS)).toBe('closed');
    expect(sent).toBeLessThan(body.length);
    // 408 from Node, unless the answer had begun: then the connection is just cut.
    expect(raw.received()).toMatch(/^$|^HTTP\/1\.1 408 /);
  });

  it('serves a request that arrives at a normal pace on the same limits', async () => {
    const raw = await open();
    expect(await getOn(raw, host(), '/.well-known/openid-configuration')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('the IdP server, against silent connections', () => {
  // Idle and keep-alive timeouts of 1 s; the headers timeout keeps its default (10 s) and Node's
  // keep-alive default is 5 s, so closing within 4 s can only be these settings at work.
  let quiet: RunningIdp;
  beforeAll(async () => {
    quiet = await startIdp({ env: { HTTP_IDLE_TIMEOUT_SECONDS: '1', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1' } });
  });
  afterAll(async () => {
    await quiet.stop();
  });

  it('destroys a connection with no traffic for HTTP_IDLE_TIMEOUT_SECONDS, without an answer', async () => {
    const raw = await open(quiet.port);
    expect(await closedWithin(raw, 4000)).toBe('closed');
    expect(raw.received()).toBe('');
  });

  it('lets a kept-alive connection go after HTTP_KEEP_ALIVE_TIMEOUT_SECONDS without another request', async () => {
    const raw = await open(quiet.port);
    expect(await getOn(raw, new URL(quiet.url).host, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await closedWithin(raw, 4000)).toBe('closed');
  });
});

describe('the IdP server, against too many connections', () => {
  let capped: RunningIdp;
  beforeAll(async () => {
    capped = await startIdp({ env: { HTTP_MAX_CONNECTIONS: '3' } });
  });
  afterAll(async () => {
    await capped.stop();
  });

  it('refuses connections beyond HTTP_MAX_CONNECTIONS while the earlier ones keep working', async () => {
    const cappedHost = new URL(capped.url).host;
    const first = [await open(capped.port), await open(capped.port), await open(capped.port)];
    // An answer on each proves the server has accepted and counted it.
    for (const raw of first) expect(await getOn(raw, cappedHost, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);

    const extra = await open(capped.port);
    extra.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${cappedHost}\r\n\r\n`);
    expect(await closedWithin(extra, GRACE_MS)).toBe('closed');
    expect(extra.received()).toBe('');

    // A connection that ends frees its place. The round trip on the first one lets the server see
    // the end of the second before the next connection arrives.
    first[1]!.socket.destroy();
    expect(await getOn(first[0]!, cappedHost, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
    const next = await open(capped.port);
    expect(await getOn(next, cappedHost, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('the IdP server, against one address taking every connection', () => {
  let capped: RunningIdp;
  beforeAll(async () => {
    capped = await startIdp({ env: { HTTP_MAX_CONNECTIONS_PER_ADDRESS: '3' } });
  });
  afterAll(async () => {
    await capped.stop();
  });

  it('closes an address\'s connections beyond HTTP_MAX_CONNECTIONS_PER_ADDRESS, and frees the place when one ends', async () => {
    const host = new URL(capped.url).host;
    const held = [await open(capped.port), await open(capped.port), await open(capped.port)];
    for (const raw of held) expect(await getOn(raw, host, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
    const extra = await open(capped.port);
    extra.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(await closedWithin(extra, GRACE_MS)).toBe('closed');
    expect(extra.received()).toBe('');
    held[0]!.socket.destroy();
    expect(await getOn(held[1]!, host, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await getOn(await open(capped.port), host, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('leaves the cap to the proxy when the IdP trusts one (every connection comes from it)', () => {
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'true', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '3' }).httpLimits.maxConnectionsPerAddress).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test' }).httpLimits.maxConnectionsPerAddress).toBe(100);
  });
});
