import { openSocket } from '../support/raw-socket.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

/**
 * oidc-provider builds discovery's endpoints, registration_client_uri and the sign-out form's
 * action from the request's host; a host that is no valid authority made them throw (500). Found by
 * the fuzz test (test/integration/fuzz.test.ts).
 */
let idp: RunningIdp;
let proxied: RunningIdp;
beforeAll(async () => {
  [idp, proxied] = await Promise.all([startIdp(), startIdp({ env: { TRUST_PROXY: 'true' } })]);
});
afterAll(async () => {
  await Promise.all([idp.stop(), proxied.stop()]);
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

describe('a request whose Host is not a valid authority', () => {
  it.each(BAD_HOSTS)('is refused with 400, not a server error, at discovery and sign-out (Host %j)', async (host) => {
    for (const path of ['/.well-known/openid-configuration', '/session/end']) {
      expect((await send(idp.port, `GET ${path} HTTP/1.1\r\nHost: ${host}`)).status).toBe(400);
    }
  });

  it('gets the error page when a browser asked, a JSON error otherwise', async () => {
    const page = await send(idp.port, 'GET /session/end HTTP/1.1\r\nHost: a b\r\nAccept: text/html,*/*;q=0.8');
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.body).toContain('not valid');
    const program = await send(idp.port, 'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a b');
    expect(JSON.parse(program.body)).toEqual({ error: 'invalid_request', error_description: 'invalid Host header' });
  });

  it('is refused when a trusted proxy forwards an invalid X-Forwarded-Host', async () => {
    const host = new URL(proxied.url).host;
    expect((await send(proxied.port, `GET /session/end HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Host: evil.example:99999`)).status).toBe(400);
  });
});

describe('a request whose Host is valid', () => {
  it('is served with a port, an IP literal, and over HTTP/1.0 without any Host (load balancer health checks)', async () => {
    expect((await send(idp.port, `GET /.well-known/openid-configuration HTTP/1.1\r\nHost: ${new URL(idp.url).host}`)).status).toBe(200);
    expect((await send(idp.port, 'GET /healthz HTTP/1.1\r\nHost: [::1]:3000')).status).toBe(200);
    expect((await send(idp.port, 'GET /healthz HTTP/1.0')).status).toBe(200);
  });
});
