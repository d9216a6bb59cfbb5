/**
 * Every answer of the IdP carries its security headers exactly once, whichever way they got there
 * (src/http/security-headers.ts): written into the head by the response class of the IdP's own
 * servers (listenIdp), or set by the request frame when the app is served by any other server.
 * Counted on the wire, in the raw header lines, so a header sent twice would show.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { listenIdp } from '../../src/http/listen-idp.js';
import { close, listen, type Server } from '../../src/http/listen.js';
import { idpResponses, idpSecurityHeaders, responseWithHeaders, securityHeaders } from '../../src/http/security-headers.js';
import { createIdp, type Idp } from '../../src/idp.js';

const ISSUER = 'http://idp.localhost:4455';
const HEADERS = Object.entries(securityHeaders({ hsts: false }));

interface Answer {
  status: number;
  /** Header name (lower case) -> every value it was sent with, in order. */
  sent: Map<string, string[]>;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, method, path, headers: { host: new URL(ISSUER).host, ...headers }, agent: false }, (response) => {
      const sent = new Map<string, string[]>();
      for (let at = 0; at < response.rawHeaders.length; at += 2) {
        const name = response.rawHeaders[at]!.toLowerCase();
        sent.set(name, [...(sent.get(name) ?? []), response.rawHeaders[at + 1]!]);
      }
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, sent }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function expectEachOnce(answer: Answer, headers: [string, string][] = HEADERS): void {
  for (const [name, value] of headers) expect([name, answer.sent.get(name.toLowerCase())]).toEqual([name, [value]]);
}

/** Answers of every kind: documents kept in memory, the engine's JSON errors, our pages, our 404, a malformed request. */
// Every row whole: jest takes a test function with more parameters than its row as one that waits for `done`.
const ANSWERS: [string, string, string, Record<string, string>, string | undefined][] = [
  ['discovery', 'GET', '/.well-known/openid-configuration', {}, undefined],
  ['JWKS', 'GET', '/jwks', {}, undefined],
  ['JWKS again (answered from memory)', 'GET', '/jwks', {}, undefined],
  ['userinfo without a token (the engine: 401 JSON)', 'GET', '/me', {}, undefined],
  ['a token request with no client (the engine: 400 or 401 JSON)', 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials'],
  ['the sign-in page of the account page (ours)', 'GET', '/account/login', {}, undefined],
  ['a path nobody serves (our 404 page)', 'GET', '/nothing-here', { accept: 'text/html' }, undefined],
  ['HEAD of discovery', 'HEAD', '/.well-known/openid-configuration', {}, undefined],
  ['a malformed host (the guard: 400)', 'GET', '/me', { 'x-forwarded-host': 'a b' }, undefined],
];

describe('security headers', () => {
  let idp: Idp;
  let ours: Server & { port: number };
  let plain: Server & { port: number };
  /** The class of every response the IdP's own server handed to the app. */
  const oursResponses = new Set<unknown>();

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', ISSUER, PORT: '0', TRUST_PROXY: 'true' });
    idp = await createIdp(config);
    const handle = idp.app.callback();
    ours = await listenIdp((request, response) => {
      oursResponses.add(response.constructor);
      return handle(request, response);
    }, config);
    // The same app on a server of Node's own, as tests and embedders may serve it.
    plain = await listen(idp.app.callback(), 0, '127.0.0.1');
  });

  afterAll(async () => {
    await Promise.all([close(ours), close(plain)]);
    await idp.close();
  });

  it.each(ANSWERS)('are sent once on %s from the IdP\'s own server', async (_what, method, path, headers, body) => {
    const answer = await request(ours.port, method, path, headers, body);
    expect(answer.status).toBeLessThan(500);
    expectEachOnce(answer);
  });

  it('come from the response class on the IdP\'s own server, not from the request frame', async () => {
    oursResponses.clear();
    await request(ours.port, 'GET', '/me');
    expect([...oursResponses]).toEqual([idpResponses(ISSUER)]);
  });

  it.each(ANSWERS)('are sent once on %s from a server of Node\'s own (set by the request frame)', async (_what, method, path, headers, body) => {
    const answer = await request(plain.port, method, path, headers, body);
    expect(answer.status).toBeLessThan(500);
    expectEachOnce(answer);
  });

  it('include HSTS for an https issuer, and not for an http one', () => {
    expect(idpSecurityHeaders('https://idp.example.com')).toMatchObject({ 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' });
    expect(idpSecurityHeaders(ISSUER)).not.toHaveProperty('Strict-Transport-Security');
    expect(responseWithHeaders(idpSecurityHeaders('https://idp.example.com'))).not.toBe(responseWithHeaders(idpSecurityHeaders(ISSUER)));
  });
});

describe('a response class that sends headers', () => {
  const withHsts = Object.entries(securityHeaders({ hsts: true }));

  async function serve(handler: http.RequestListener): Promise<{ port: number; stop(): Promise<void> }> {
    const server = http.createServer({ ServerResponse: responseWithHeaders(securityHeaders({ hsts: true })) as typeof http.ServerResponse }, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('sends a header the response set itself as set, once, and the others as well', async () => {
    const server = await serve((_request, response) => {
      response.setHeader('x-frame-options', 'SAMEORIGIN');
      response.setHeader('Content-Type', 'text/plain');
      response.end('framed');
    });
    try {
      const answer = await request(server.port, 'GET', '/');
      expect(answer.sent.get('x-frame-options')).toEqual(['SAMEORIGIN']);
      expectEachOnce(answer, withHsts.filter(([name]) => name !== 'X-Frame-Options'));
    } finally {
      await server.stop();
    }
  });

  it('sends a header handed to writeHead itself as handed, once, with or without setHeader before, as an object or raw', async () => {
    const answers: [string, (response: http.ServerResponse) => void][] = [
      ['X-Frame-Options', (response) => response.writeHead(200, { 'X-Frame-Options': 'SAMEORIGIN' }).end()],
      ['Referrer-Policy', (response) => response.writeHead(200, 'OK', ['Referrer-Policy', 'no-referrer']).end()],
      [
        'X-Frame-Options',
        (response) => {
          response.setHeader('Content-Type', 'text/plain');
          response.writeHead(200, { 'x-frame-options': 'SAMEORIGIN' }).end('x');
        },
      ],
    ];
    for (const [own, answer] of answers) {
      const server = await serve((_request, response) => answer(response));
      try {
        const sent = await request(server.port, 'GET', '/');
        expect(sent.sent.get(own.toLowerCase())).toHaveLength(1);
        expect(sent.sent.get(own.toLowerCase())).not.toEqual([securityHeaders({ hsts: true })[own]]);
        expectEachOnce(sent, withHsts.filter(([name]) => name !== own));
      } finally {
        await server.stop();
      }
    }
  });

  it('leaves out a header the response removed, and sends the rest', async () => {
    const server = await serve((_request, response) => {
      response.setHeader('X-Frame-Options', 'DENY');
      response.removeHeader('x-frame-options');
      response.end('frameable');
    });
    try {
      const answer = await request(server.port, 'GET', '/');
      expect(answer.sent.has('x-frame-options')).toBe(false);
      expectEachOnce(answer, withHsts.filter(([name]) => name !== 'X-Frame-Options'));
    } finally {
      await server.stop();
    }
  });

  it('sends them with every form of writeHead, with no body, and after a response streamed in parts', async () => {
    const answers = [
      (response: http.ServerResponse) => response.writeHead(204).end(),
      (response: http.ServerResponse) => response.writeHead(200, 'Fine', { 'Content-Type': 'text/plain' }).end('x'),
      (response: http.ServerResponse) => response.writeHead(304, { ETag: '"a"' }).end(),
      (response: http.ServerResponse) => {
        response.write('a');
        response.end('b');
      },
      (response: http.ServerResponse) => {
        response.flushHeaders();
        response.end('late');
      },
      // A response header Expect makes Node send the head from inside writeHead.
      (response: http.ServerResponse) => {
        response.setHeader('Expect', '100-continue');
        response.end('sent early');
      },
      // Node's older name for writeHead.
      (response: http.ServerResponse) => (response as unknown as { writeHeader(status: number): http.ServerResponse }).writeHeader(200).end(),
    ];
    for (const answer of answers) {
      const server = await serve((_request, response) => answer(response));
      try {
        expectEachOnce(await request(server.port, 'GET', '/'), withHsts);
      } finally {
        await server.stop();
      }
    }
  });
});
