/**
 * The URLs the IdP hands out name the issuer, never the host or scheme a request claimed
 * (src/http/issuer-host.ts). oidc-provider builds them from the request, so `Host: evil.example`
 * (or X-Forwarded-Host behind a trusted proxy, which many proxies pass on as the client wrote it)
 * got a discovery document sending token requests to evil.example: a cache in front keyed on the
 * path alone would have served it to every client.
 */
import http from 'node:http';
import { startIdp, type RunningIdp } from '../support/stack.js';

/** A raw request: fetch can't set Host. */
function send(idp: RunningIdp, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: idp.port, method, path, headers }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
const get = (idp: RunningIdp, path: string, headers: Record<string, string>) => send(idp, 'GET', path, headers);
const TOKEN = 'an-initial-access-token-of-this-test-0123456789';

/** Every URL in a discovery document (endpoints, jwks_uri, issuer). */
function urlsIn(document: Record<string, unknown>): string[] {
  return Object.values(document).filter((value): value is string => typeof value === 'string' && /^https?:\/\//.test(value));
}

describe('the URLs the IdP hands out name the issuer, whatever host the request claimed', () => {
  let direct: RunningIdp;
  let proxied: RunningIdp;
  beforeAll(async () => {
    direct = await startIdp({ env: { INITIAL_ACCESS_TOKEN: TOKEN } });
    proxied = await startIdp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await direct?.stop();
    await proxied?.stop();
  });

  const discovery = '/.well-known/openid-configuration';

  it('answers discovery for `Host: evil.example` with the issuer\'s endpoints', async () => {
    const answer = await get(direct, discovery, { host: 'evil.example' });
    expect(answer.status).toBe(200);
    const urls = urlsIn(JSON.parse(answer.body) as Record<string, unknown>);
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url.startsWith(`${direct.issuer}/`) || url === direct.issuer).toBe(true);
    expect(answer.body).not.toContain('evil.example');
  });

  it('ignores X-Forwarded-Host and X-Forwarded-Proto behind a trusted proxy', async () => {
    const answer = await get(proxied, discovery, { host: new URL(proxied.issuer).host, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(answer.status).toBe(200);
    const urls = urlsIn(JSON.parse(answer.body) as Record<string, unknown>);
    for (const url of urls) expect(url.startsWith(`${proxied.issuer}/`) || url === proxied.issuer).toBe(true);
    expect(answer.body).not.toContain('evil.example');
  });

  it('answers an absolute-form request naming another host with the issuer\'s endpoints', async () => {
    for (const target of ['http://evil.example/.well-known/openid-configuration', 'HTTPS://evil.example:8443/.well-known/openid-configuration?x=1']) {
      const answer = await get(direct, target, { host: new URL(direct.issuer).host });
      expect(answer.status).toBe(200);
      const urls = urlsIn(JSON.parse(answer.body) as Record<string, unknown>);
      for (const url of urls) expect(url.startsWith(`${direct.issuer}/`) || url === direct.issuer).toBe(true);
      expect(answer.body).not.toContain('evil.example');
    }
  });

  it('registers a client under `Host: evil.example` with the issuer\'s registration_client_uri', async () => {
    const body = JSON.stringify({ client_name: 'Forged Host App', redirect_uris: ['http://app.localhost:9/cb'] });
    const answer = await send(direct, 'POST', '/reg', { host: 'evil.example', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': String(Buffer.byteLength(body)) }, body);
    expect(answer.status).toBe(201);
    const client = JSON.parse(answer.body) as { client_id: string; registration_client_uri: string };
    expect(client.registration_client_uri).toBe(`${direct.issuer}/reg/${client.client_id}`);
  });
});
