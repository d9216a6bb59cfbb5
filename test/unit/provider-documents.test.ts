/**
 * Discovery and the JWKS answered from memory (src/http/provider-documents.ts), in front of a real
 * oidc-provider over HTTP. A counting layer between the two tells which requests reached the
 * provider; the answers must be the provider's own, header for header and byte for byte.
 */
import { exportJWK, generateKeyPair } from 'jose';
import Koa from 'koa';
import mount from 'koa-mount';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { chain } from '../../src/http/middleware-chain.js';
import { providerDocuments } from '../../src/http/provider-documents.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let server: http.Server;
let base: string;
let providers: Provider[];
let current: Provider;
let reachedProvider: string[];
/** Runs while a request is inside the provider (a key swap mid-request). */
let duringProvider: (() => void) | undefined;
/** Runs on the provider's answer before it goes back out (what another layer might add). */
let afterProvider: ((ctx: Koa.Context) => void) | undefined;

/** A provider with a key of its own, kid `key-<n>` for the n-th made. */
async function providerWithNewKey(issuer: string): Promise<Provider> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: `key-${providers.length}` }] },
    features: { devInteractions: { enabled: false } },
  });
}

/** A GET as written, where fetch can't go: another Host, or an absolute-form target. */
function rawGet(target: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: new URL(base).port, path: target, headers: { host } }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body));
    });
    request.on('error', reject).end();
  });
}

async function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method, headers });
  const answered = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, headers: answered, body: await response.text() };
}

beforeAll(async () => {
  providers = [];
  server = http.createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  current = await providerWithNewKey(base);
  providers.push(current);
  const app = new Koa();
  app.use(
    chain([
      providerDocuments(base, () => current),
      (ctx, next) => {
        reachedProvider.push(`${ctx.method} ${ctx.path}`);
        duringProvider?.();
        return next().then(() => afterProvider?.(ctx));
      },
      (ctx, next) => mount(current)(ctx, next),
    ]),
  );
  server.on('request', app.callback());
});
afterAll(async () => {
  await new Promise((closed) => server.close(closed));
});
beforeEach(async () => {
  // Each test starts with a provider instance nothing was cached for.
  current = await providerWithNewKey(base);
  providers.push(current);
  reachedProvider = [];
  duringProvider = undefined;
  afterProvider = undefined;
});

const documents = ['/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

describe('discovery and the JWKS, answered from memory', () => {
  it.each(documents)('asks the provider for %s once, then answers its very bytes and headers', async (path) => {
    const fromProvider = await send('GET', path);
    const fromMemory = await send('GET', path);
    const again = await send('GET', `${path}?anything=1`);
    expect(reachedProvider).toEqual([`GET ${path}`]);
    expect(fromProvider.status).toBe(200);
    expect(fromMemory).toEqual(fromProvider);
    expect(again).toEqual(fromProvider);
  });

  it('answers each request\'s Origin as the provider\'s open CORS does, whichever Origin filled it', async () => {
    const filled = await send('GET', '/jwks', { origin: 'https://first.example' });
    const other = await send('GET', '/jwks', { origin: 'https://second.example' });
    const none = await send('GET', '/jwks');
    expect(reachedProvider).toHaveLength(1);
    expect(filled.headers['access-control-allow-origin']).toBe('https://first.example');
    expect(other.headers['access-control-allow-origin']).toBe('https://second.example');
    expect(none.headers['access-control-allow-origin']).toBe('*');
    for (const answer of [filled, other, none]) expect(answer.headers.vary).toBe('Origin');
  });

  it('matches the paths as the provider\'s router does (case, one trailing slash)', async () => {
    const first = await send('GET', '/jwks');
    expect(await send('GET', '/JWKS/')).toEqual(first);
    expect(reachedProvider).toEqual(['GET /jwks']);
  });

  it('serves a new provider instance (a key rotation) its own JWKS, never the old one\'s', async () => {
    const before = JSON.parse((await send('GET', '/jwks')).body) as { keys: { kid: string }[] };
    current = await providerWithNewKey(base);
    providers.push(current);
    const after = JSON.parse((await send('GET', '/jwks')).body) as { keys: { kid: string }[] };
    expect(before.keys.map((key) => key.kid)).toEqual([`key-${providers.length - 2}`]);
    expect(after.keys.map((key) => key.kid)).toEqual([`key-${providers.length - 1}`]);
    expect(reachedProvider).toEqual(['GET /jwks', 'GET /jwks']);
  });

  it('files an answer under no instance but the one that gave it (a swap while the request ran)', async () => {
    const first = current;
    const second = await providerWithNewKey(base);
    providers.push(second);
    duringProvider = () => {
      duringProvider = undefined;
      current = second;
    };
    const answeredBySecond = await send('GET', '/jwks');
    expect(answeredBySecond.body).toContain(`key-${providers.length - 1}`);
    current = first;
    const answeredByFirst = await send('GET', '/jwks');
    expect(answeredByFirst.body).toContain(`key-${providers.length - 2}`);
    expect(reachedProvider).toEqual(['GET /jwks', 'GET /jwks']);
  });

  it('leaves HEAD, OPTIONS and POST to the provider', async () => {
    await send('GET', '/jwks');
    const head = await send('HEAD', '/jwks');
    const preflight = await send('OPTIONS', '/jwks', { origin: 'https://rp.example', 'access-control-request-method': 'GET' });
    const post = await send('POST', '/jwks');
    expect(reachedProvider).toEqual(['GET /jwks', 'HEAD /jwks', 'OPTIONS /jwks', 'POST /jwks']);
    expect(head.status).toBe(200);
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET');
    expect(post.status).toBe(404);
  });

  it('keeps no error answer: the next request asks the provider again', async () => {
    duringProvider = () => {
      duringProvider = undefined;
      throw new Error('the provider failed this once');
    };
    const failed = await send('GET', '/.well-known/openid-configuration');
    const answered = await send('GET', '/.well-known/openid-configuration');
    expect(failed.status).toBe(500);
    expect(answered.status).toBe(200);
    expect(reachedProvider).toHaveLength(2);
  });

  it('keeps no answer built for another origin (were the issuer-host pin ever bypassed)', async () => {
    const forged = await rawGet('/.well-known/openid-configuration', 'evil.example');
    expect(forged).toContain('http://evil.example/token');
    const plain = await send('GET', '/.well-known/openid-configuration');
    expect(plain.body).not.toContain('evil.example');
    expect(JSON.parse(plain.body)).toMatchObject({ token_endpoint: `${base}/token` });
    expect(reachedProvider).toHaveLength(2);
  });

  it('keeps no answer to an absolute-form target, whatever host it names', async () => {
    const forged = await rawGet('http://evil.example/.well-known/openid-configuration', new URL(base).host);
    expect(forged).toContain('http://evil.example/token');
    const plain = await send('GET', '/.well-known/openid-configuration');
    expect(JSON.parse(plain.body)).toMatchObject({ token_endpoint: `${base}/token` });
    expect(reachedProvider).toHaveLength(2);
  });

  it('keeps no answer that set a cookie, or whose body is not the JSON the provider built', async () => {
    afterProvider = (ctx) => ctx.cookies.set('who', 'someone');
    await send('GET', '/jwks');
    afterProvider = (ctx) => void (ctx.body = Buffer.from(JSON.stringify(ctx.body)));
    await send('GET', '/jwks');
    afterProvider = undefined;
    await send('GET', '/jwks');
    await send('GET', '/jwks');
    expect(reachedProvider).toEqual(['GET /jwks', 'GET /jwks', 'GET /jwks']);
  });

  it('leaves every other path to the provider, every time', async () => {
    await send('GET', '/.well-known/webfinger');
    await send('GET', '/.well-known/webfinger');
    expect(reachedProvider).toEqual(['GET /.well-known/webfinger', 'GET /.well-known/webfinger']);
  });
});
