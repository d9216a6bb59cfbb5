import { openSocket } from '../support/raw-socket.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

/**
 * Requests no URL can be made of: a Host that is no valid authority, a scheme a trusted proxy
 * made up, an absolute-form target Node can't parse. oidc-provider builds discovery's endpoints,
 * registration_client_uri and the sign-out form's action from the request, and Koa's ctx.path
 * throws on such a target: each was a 500 (a 503 at the sites). Found by the fuzz test
 * (test/integration/fuzz.test.ts).
 */
let stack: Stack;
let proxied: RunningIdp;
beforeAll(async () => {
  [stack, proxied] = await Promise.all([startStack(), startIdp({ env: { TRUST_PROXY: 'true' } })]);
});
afterAll(async () => {
  await Promise.all([stack.stop(), proxied.stop()]);
});

/** Sends `head` (request line and headers) as written and returns the status and body. */
async function send(port: number, head: string): Promise<{ status: number; contentType: string; body: string }> {
  const raw = await openSocket(port);
  raw.socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  await raw.closed;
  const text = raw.received();
  const end = text.indexOf('\r\n\r\n');
  return { status: Number(text.slice(9, 12)), contentType: /\r\ncontent-type: *([^\r]*)/i.exec(text.slice(0, end))?.[1] ?? '', body: text.slice(end + 4) };
}

const BAD_HOSTS = ['a b', 'idp.localhost:99999', '[::1', 'idp.localhost/x', ''];
const idpPort = () => stack.idp.port;

describe('a request whose Host is not a valid authority', () => {
  it.each(BAD_HOSTS)('is refused with 400, not a server error, at discovery and sign-out (Host %j)', async (host) => {
    for (const path of ['/.well-known/openid-configuration', '/session/end']) {
      expect((await send(idpPort(), `GET ${path} HTTP/1.1\r\nHost: ${host}`)).status).toBe(400);
    }
  });

  it('gets the error page when a browser asked, a JSON error otherwise', async () => {
    const page = await send(idpPort(), 'GET /session/end HTTP/1.1\r\nHost: a b\r\nAccept: text/html,*/*;q=0.8');
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.body).toContain('not valid');
    const program = await send(idpPort(), 'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a b');
    expect(JSON.parse(program.body)).toEqual({ error: 'invalid_request', error_description: 'invalid host' });
  });

  it('is refused when a trusted proxy forwards an invalid X-Forwarded-Host', async () => {
    const host = new URL(proxied.url).host;
    expect((await send(proxied.port, `GET /session/end HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Host: evil.example:99999`)).status).toBe(400);
  });
});

describe('a request whose trusted proxy claims a scheme other than http or https', () => {
  it('is refused with 400, not a server error', async () => {
    const host = new URL(proxied.url).host;
    for (const scheme of ['[@$hy`', '&&&', 'gopher']) {
      const reply = await send(proxied.port, `GET /session/end HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Proto: ${scheme}`);
      expect(reply).toMatchObject({ status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'invalid scheme' }) });
    }
  });
});

describe('an absolute-form request target Node cannot parse', () => {
  it('is refused with 400 at the IdP and at both sites', async () => {
    const ports = [idpPort(), Number(new URL(stack.siteA.url).port), Number(new URL(stack.siteB.url).port)];
    for (const port of ports) {
      const reply = await send(port, `GET http://[::1/ HTTP/1.1\r\nHost: localhost:${port}\r\nAccept: text/html`);
      expect(reply.status).toBe(400);
      expect(reply.contentType).toMatch(/^text\/html/);
    }
  });
});

describe('a request target of another scheme, or no target form at all (RFC 9112 section 3.2)', () => {
  it('is refused with 400 at the IdP and at both sites, never turned into a URL on another host', async () => {
    const ports = [idpPort(), Number(new URL(stack.siteA.url).port), Number(new URL(stack.siteB.url).port)];
    for (const port of ports) {
      for (const target of ['munity://a/.well-known/openid-configuration', 'x://a', 'x://a?q', 'javascript:alert(1)', '*']) {
        const reply = await send(port, `GET ${target} HTTP/1.1\r\nHost: localhost:${port}`);
        expect({ target, status: reply.status }).toEqual({ target, status: 400 });
      }
    }
    const asJson = await send(idpPort(), `GET munity://a/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost:${idpPort()}`);
    expect(asJson.body).toBe(JSON.stringify({ error: 'invalid_request', error_description: 'invalid request target' }));
  });

  it('still lets OPTIONS * through (the asterisk form is that method\'s)', async () => {
    const reply = await send(idpPort(), `OPTIONS * HTTP/1.1\r\nHost: localhost:${idpPort()}`);
    expect(reply.status).not.toBe(400);
    expect(reply.status).toBeLessThan(500);
  });
});

describe('a well-formed request', () => {
  it('is served with a port, an IP literal, an absolute-form target, and over HTTP/1.0 without any Host (health checks)', async () => {
    const host = new URL(stack.idp.url).host;
    expect((await send(idpPort(), `GET /.well-known/openid-configuration HTTP/1.1\r\nHost: ${host}`)).status).toBe(200);
    expect((await send(idpPort(), `GET http://${host}/healthz HTTP/1.1\r\nHost: ${host}`)).status).toBe(200);
    expect((await send(idpPort(), 'GET /healthz HTTP/1.1\r\nHost: [::1]:3000')).status).toBe(200);
    expect((await send(idpPort(), 'GET /healthz HTTP/1.0')).status).toBe(200);
    expect((await send(proxied.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Proto: HTTPS`)).status).toBe(200);
  });
});
