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
  beforeAll(async () => {
    direct = await startIdp({ env: { INITIAL_ACCESS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await direct?.stop();
  });

  const discovery = '/.well-known/openid-configuration';

  /**
   * Each forged request is the first discovery request of a fresh IdP: discovery is then kept in
   * memory (src/http/provider-documents.ts), so the forged request is the one that fills it, and
   * the plain request after it must get the issuer's endpoints too.
   */
  async function firstDiscovery(
    env: Record<string, string>,
    forged: (idp: RunningIdp) => Promise<{ status: number; body: string }>[],
    options: { issuer?: string; refused?: boolean } = {},
  ): Promise<void> {
    const idp = await startIdp({ env, issuer: options.issuer });
    try {
      const forgedAnswers = await Promise.all(forged(idp));
      // A forged request is refused or answered with the issuer's endpoints, never with its host's.
      if (options.refused) for (const refused of forgedAnswers) expect(refused.status).toBe(400);
      for (const answered of [...(options.refused ? [] : forgedAnswers), await get(idp, discovery, { host: new URL(idp.issuer).host })]) {
        expect(answered.status).toBe(200);
        const urls = urlsIn(JSON.parse(answered.body) as Record<string, unknown>);
        expect(urls.length).toBeGreaterThan(5);
        for (const url of urls) expect(url.startsWith(`${idp.issuer}/`) || url === idp.issuer).toBe(true);
        expect(answered.body).not.toContain('evil.example');
      }
    } finally {
      await idp.stop();
    }
  }

  it('answers discovery for `Host: evil.example` with the issuer\'s endpoints', async () => {
    await firstDiscovery({}, (idp) => [get(idp, discovery, { host: 'evil.example' })]);
  });

  it('ignores X-Forwarded-Host and X-Forwarded-Proto behind a trusted proxy', async () => {
    await firstDiscovery({ TRUST_PROXY: 'true' }, (idp) => [get(idp, discovery, { host: new URL(idp.issuer).host, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' })]);
  });

  it('answers an absolute-form request naming another host with the issuer\'s endpoints', async () => {
    for (const target of ['http://evil.example/.well-known/openid-configuration', 'HTTPS://evil.example:8443/.well-known/openid-configuration?x=1']) {
      await firstDiscovery({}, (idp) => [get(idp, target, { host: new URL(idp.issuer).host })]);
    }
  });

  it('refuses a target of another scheme, which made a port-less issuer\'s host longer (idp.example.com + munity://)', async () => {
    // Node accepts any scheme in the request line, and Koa glued such a target to the host.
    const targets = ['munity://a/.well-known/openid-configuration', 'httpx://a/.well-known/oauth-authorization-server'];
    await firstDiscovery({ TRUST_PROXY: 'true' }, (idp) => targets.map((target) => get(idp, target, { host: 'idp.example.com', 'x-forwarded-proto': 'https' })), {
      issuer: 'https://idp.example.com',
      refused: true,
    });
    await firstDiscovery({}, (idp) => targets.map((target) => get(idp, target, { host: 'idp.example.com' })), { issuer: 'http://idp.example.com', refused: true });
  });

  it('lets no forged request plant its host, however many race to be the first', async () => {
    await firstDiscovery({ TRUST_PROXY: 'true' }, (idp) =>
      Array.from({ length: 8 }, (_, i) => get(idp, discovery, i % 2 ? { host: 'evil.example' } : { host: new URL(idp.issuer).host, 'x-forwarded-host': 'evil.example' })),
    );
  });

  it('registers a client under `Host: evil.example` with the issuer\'s registration_client_uri', async () => {
    const body = JSON.stringify({ client_name: 'Forged Host App', redirect_uris: ['http://app.localhost:9/cb'] });
    const answer = await send(direct, 'POST', '/reg', { host: 'evil.example', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': String(Buffer.byteLength(body)) }, body);
    expect(answer.status).toBe(201);
    const client = JSON.parse(answer.body) as { client_id: string; registration_client_uri: string };
    expect(client.registration_client_uri).toBe(`${direct.issuer}/reg/${client.client_id}`);
  });
});
