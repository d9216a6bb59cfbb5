/**
 * What a request gets that Node's HTTP parser refuses before any page of ours runs: the IdP's error
 * page with its security headers instead of Node's bare status line (src/http/parser-refusals.ts).
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as pause } from 'node:timers/promises';
import { close, listen, type Server } from '../../src/http/listen.js';
import { idpServerOptions } from '../../src/http/listen-idp.js';
import { LINGER_MS } from '../../src/http/parser-refusals.js';
import { DEFAULT_SERVER_LIMITS, MAX_HEADER_BYTES } from '../../src/http/server-limits.js';
import { PAGE_CSP } from '../../src/http/views.js';
import { closedWithin, openSocket, type RawSocket } from '../support/raw-socket.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

interface Reply {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** The one response in what the server sent, its body as UTF-8. */
function replyIn(raw: RawSocket): Reply {
  const bytes = Buffer.from(raw.received(), 'latin1');
  const end = bytes.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: bytes.subarray(end + 4).toString('utf8') };
}

/** Every header an answer of the IdP carries, and the page's own, as the app sends them. */
function expectIdpPage(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(Object.fromEntries(['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'content-security-policy', 'cache-control', 'content-type', 'connection'].map((name) => [name, reply.headers.get(name)]))).toEqual({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'content-security-policy': PAGE_CSP,
    'cache-control': 'no-store',
    'content-type': 'text/html; charset=utf-8',
    connection: 'close',
  });
  expect(new Date(reply.headers.get('date')!).getTime()).toBeGreaterThan(Date.now() - 60_000);
  expect(Number(reply.headers.get('content-length'))).toBe(Buffer.byteLength(reply.body));
  expect(reply.body).toMatch(/^<!DOCTYPE html>/);
  expect(reply.body).toContain(`<code>${code}</code>`);
}

describe('a request the HTTP parser refuses, at the IdP', () => {
  let idp: RunningIdp;
  beforeAll(async () => {
    idp = await startIdp();
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('gets the page saying its cookies are too large, with every security header, when its headers pass the limit', async () => {
    const raw = await openSocket(idp.port);
    const cookies = Array.from({ length: 1_000 }, (_, n) => `c${n}=${'v'.repeat(20)}`).join('; ');
    expect(cookies.length).toBeGreaterThan(MAX_HEADER_BYTES);
    raw.socket.write(`GET /auth?client_id=x HTTP/1.1\r\nHost: idp.localhost:${idp.port}\r\nAccept: text/html\r\nCookie: ${cookies}\r\n\r\n`);
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    const reply = replyIn(raw);
    expectIdpPage(reply, 431, 'headers_too_large');
    expect(reply.body).toContain('Your browser sent too much');
    expect(reply.body).toMatch(/Clearing this site&#39;s cookies|Clearing this site's cookies/);
  });

  it('gets the whole page, once, while it is still sending the headers the limit refused', async () => {
    const raw = await openSocket(idp.port);
    // Four times the limit, in pieces: the parser refuses at the first 16 KB, and the rest is still
    // on its way, each piece failing the parser again.
    raw.socket.write(`GET / HTTP/1.1\r\nHost: idp.localhost:${idp.port}\r\nX-Big: `);
    for (let piece = 0; piece < 8; piece += 1) {
      raw.socket.write('a'.repeat(MAX_HEADER_BYTES / 2));
      await pause(20);
    }
    raw.socket.end('\r\n\r\n');
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expect(raw.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 431 ']);
    expectIdpPage(replyIn(raw), 431, 'headers_too_large');
  });

  it('gets the page that it could not be read, for a header line that is no header', async () => {
    const raw = await openSocket(idp.port);
    raw.socket.write(`GET / HTTP/1.1\r\nHost: idp.localhost:${idp.port}\r\nBad Name: x\r\n\r\n`);
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expectIdpPage(replyIn(raw), 400, 'unreadable_request');
  });

  it('is answered once however much it sends after the refusal, and let go once it lingers past the limit', async () => {
    const raw = await openSocket(idp.port, { halfOpen: true });
    const answeredAt = Date.now();
    raw.socket.write('NOT HTTP AT ALL\r\n\r\n');
    for (let more = 0; more < 5; more += 1) {
      await pause(50);
      raw.socket.write('GET / HTTP/1.1\r\n\r\nmore junk\r\n\r\n');
    }
    // Still read while it lingers (a socket closed with bytes unread would have reset this one)...
    expect(raw.isClosed()).toBe(false);
    // ...and the client never closes its side: the server lets go of the socket LINGER_MS after it
    // answered: the next bytes reach a closed socket, which resets the connection, and the write
    // after that fails.
    await pause(LINGER_MS - (Date.now() - answeredAt) + 500);
    raw.socket.write('still there?\r\n');
    await pause(200);
    raw.socket.write('still there?\r\n');
    expect(await closedWithin(raw, 5_000)).toBe('closed');
    expect(raw.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 400 ']);
    expectIdpPage(replyIn(raw), 400, 'unreadable_request');
  });

  it('is let go at once when the client closes its side after the answer', async () => {
    const raw = await openSocket(idp.port);
    const sentAt = Date.now();
    raw.socket.write('NOT HTTP AT ALL\r\n\r\n');
    expect(await closedWithin(raw, LINGER_MS - 500)).toBe('closed');
    expect(Date.now() - sentAt).toBeLessThan(LINGER_MS);
    expectIdpPage(replyIn(raw), 400, 'unreadable_request');
  });
});

describe('a request the HTTP parser refuses, beside what the app answers', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });
  const limits = { ...DEFAULT_SERVER_LIMITS, headersTimeoutSeconds: 1, requestTimeoutSeconds: 1 };
  async function started(handler: http.RequestListener): Promise<Server & { port: number }> {
    const server = await listen(handler, 0, '127.0.0.1', { limits, ...idpServerOptions('http://idp.localhost') });
    servers.push(server);
    return server;
  }
  /** Resolves once the server has sent something that matches. */
  async function receivedMatching(raw: RawSocket, pattern: RegExp): Promise<void> {
    for (let waited = 0; !pattern.test(raw.received()); waited += 50) {
      if (waited > 10_000) throw new Error(`never received ${pattern}: ${JSON.stringify(raw.received())}`);
      await pause(50);
    }
  }

  it('gets the page that it took too long, when its headers never finish', async () => {
    let called = false;
    const server = await started((_request, response) => {
      called = true;
      response.end();
    });
    const raw = await openSocket(server.port);
    raw.socket.write('GET / HTTP/1.1\r\nHost: idp.localhost\r\nX-Slow: ');
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expectIdpPage(replyIn(raw), 408, 'request_timeout');
    expect(called).toBe(false);
  });

  it('never reaches the app when it is finished after its 408, headers or body', async () => {
    const acted: string[] = [];
    const server = await started((request, response) => {
      request.resume();
      request.on('end', () => {
        acted.push(`${request.method} ${request.url}`);
        response.end('done');
      });
    });
    // A client that reads the 408 only after sending the rest (a browser's POST on a connection
    // it opened earlier) would take the 408 as the answer and send the POST again.
    const slowHeaders = await openSocket(server.port, { halfOpen: true });
    slowHeaders.socket.write('POST /headers HTTP/1.1\r\nHost: idp.localhost\r\nContent-Length: 3\r\n');
    const slowBody = await openSocket(server.port, { halfOpen: true });
    slowBody.socket.write('POST /body HTTP/1.1\r\nHost: idp.localhost\r\nContent-Length: 4\r\n\r\nab');
    await Promise.all([receivedMatching(slowHeaders, /^HTTP\/1\.1 408 /), receivedMatching(slowBody, /^HTTP\/1\.1 408 /)]);
    slowHeaders.socket.write('\r\nabc');
    slowBody.socket.write('cd');
    await pause(500);
    expect(acted).toEqual([]);
    for (const raw of [slowHeaders, slowBody]) {
      expect(raw.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 408 ']);
      raw.socket.destroy();
    }
  });

  it('never has a second status line written into an answer already under way', async () => {
    const server = await started((_request, response) => {
      // The app answers before the body is in, and keeps its answer open.
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('started');
    });
    const raw = await openSocket(server.port);
    raw.socket.write('POST / HTTP/1.1\r\nHost: idp.localhost\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b');
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expect(raw.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw.received()).toContain('started');
    expect(raw.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 ']);
  });

  it('leaves the answer to a pipelined request before it whole, as the only answer, and then closes', async () => {
    const server = await started((request, response) => {
      setTimeout(() => response.end(`answer to ${request.url}`), 300);
    });
    const raw = await openSocket(server.port);
    raw.socket.write('POST /token HTTP/1.1\r\nHost: idp.localhost\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\nBad Name: x\r\n\r\n');
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expect(raw.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 ']);
    expect(raw.received()).toMatch(/\r\nConnection: close\r\n/i);
    expect(raw.received()).toMatch(/\r\n\r\nanswer to \/token$/);
  });

  it('gets the page that it is too large, for chunk extensions past the bound', async () => {
    let finished = false;
    const server = await started((request, response) => {
      request.resume();
      request.on('end', () => {
        finished = true;
        response.end();
      });
    });
    const raw = await openSocket(server.port);
    raw.socket.write(`POST / HTTP/1.1\r\nHost: idp.localhost\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(20_000)}\r\na\r\n0\r\n\r\n`);
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    expectIdpPage(replyIn(raw), 413, 'request_too_large');
    expect(finished).toBe(false);
  });
});

describe('a request the HTTP parser refuses, at the sample sites', () => {
  let idp: RunningIdp;
  let stack: Stack;
  beforeAll(async () => {
    idp = await startIdp();
    stack = await startStack({ idp });
  });
  afterAll(async () => {
    await stack.stop();
    await idp.stop();
  });

  it.each(['siteA', 'siteB'] as const)("%s answers headers past the limit with its own page and its pages' headers, not Node's bare status line", async (name) => {
    const site = stack[name];
    const { port } = site.server.address() as AddressInfo;
    const raw = await openSocket(port);
    const cookies = Array.from({ length: 1_000 }, (_, n) => `c${n}=${'v'.repeat(20)}`).join('; ');
    raw.socket.write(`GET / HTTP/1.1\r\nHost: ${new URL(site.url).host}\r\nAccept: text/html\r\nCookie: ${cookies}\r\n\r\n`);
    expect(await closedWithin(raw, 10_000)).toBe('closed');
    const reply = replyIn(raw);
    expect(reply.status).toBe(431);
    expect(Object.fromEntries(['x-content-type-options', 'referrer-policy', 'cache-control', 'content-type', 'connection'].map((header) => [header, reply.headers.get(header)]))).toEqual({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
      'content-type': 'text/html; charset=utf-8',
      connection: 'close',
    });
    // The site's own policy, as on its other pages: nothing loads, nothing frames it.
    expect(reply.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*frame-ancestors 'none'/);
    expect(Number(reply.headers.get('content-length'))).toBe(Buffer.byteLength(reply.body));
    expect(reply.body).toContain(site.config.name);
    expect(reply.body).toContain('Your browser sent too much');
    expect(reply.body).toContain('headers_too_large');
    // Its only link would send the same cookies again.
    expect(reply.body).not.toContain('href="/login"');
  });

  it('answers as Node does once the site stops, and as the site again when it runs there again', async () => {
    const { port } = stack.siteA.server.address() as AddressInfo;
    const oversized = `GET / HTTP/1.1\r\nHost: ${new URL(stack.siteA.url).host}\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES + 1)}\r\n\r\n`;
    const statusAndBody = async () => {
      const raw = await openSocket(port);
      raw.socket.write(oversized);
      await closedWithin(raw, 10_000);
      return raw.received();
    };
    await stack.stop();
    const bare = await statusAndBody();
    expect(bare).toMatch(/^HTTP\/1\.1 431 /);
    expect(bare).not.toContain('<!DOCTYPE html>');
    stack = await startStack({ idp });
    expect(await statusAndBody()).toContain('Your browser sent too much');
  });
});
