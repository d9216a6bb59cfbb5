import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSiteA } from '../../clients/site-a/app.js';
import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { mintInitialAccessToken } from '../../src/oidc/registration.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { callJson as call, registerClient, updateRegistration } from '../support/registration.js';
import { startStack, startIdp, type RunningIdp } from '../support/stack.js';

const STATIC_TOKEN = 'static-initial-access-token-for-tests-0123456789';
let idp: RunningIdp;
beforeAll(async () => {
  idp = await startIdp({ env: { INITIAL_ACCESS_TOKEN: STATIC_TOKEN } });
});
afterAll(async () => {
  await idp.stop();
});

const register = (body: unknown, token = STATIC_TOKEN) => registerClient(idp.issuer, token, body);
const app = (extra: Record<string, unknown> = {}) => ({ client_name: 'Registered App', redirect_uris: ['http://app.localhost:9/cb'], ...extra });

describe('POST /reg (RFC 7591)', () => {
  it('registers a confidential client and returns its credentials and management URI', async () => {
    const reply = await register(app());
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.any(String),
      client_secret_expires_at: 0,
      client_id_issued_at: expect.any(Number),
      registration_access_token: expect.any(String),
      registration_client_uri: `${idp.issuer}/reg/${reply.json.client_id as string}`,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['http://app.localhost:9/cb'],
    });
    expect(await idp.clients.isFirstParty(reply.json.client_id as string)).toBe(false);
  });

  it('gives every registered client an id the admin CLI reads as an id, never as an option', async () => {
    // The engine's default ids (nanoid) began with "-" one time in 64: `clients show -x...` failed.
    const ids = await Promise.all(Array.from({ length: 20 }, async () => (await register(app())).json.client_id as string));
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
  });

  it('registers a public client without a secret', async () => {
    const reply = await register(app({ token_endpoint_auth_method: 'none' }));
    expect(reply.status).toBe(201);
    expect(reply.json.client_secret).toBeUndefined();
  });

  it('cannot make itself first-party', async () => {
    const reply = await register(app({ first_party: true }));
    expect(await idp.clients.isFirstParty(reply.json.client_id as string)).toBe(false);
  });

  const rejections: [string, string, Record<string, unknown>][] = [
    ['an http redirect URI outside loopback', 'invalid_redirect_uri', { redirect_uris: ['http://app.example.com/cb'] }],
    ['a redirect URI with a fragment', 'invalid_redirect_uri', { redirect_uris: ['https://app.example.com/cb#x'] }],
    ['a redirect URI with a tab in its host', 'invalid_redirect_uri', { redirect_uris: ['https://login.app.example\t.evil.example/cb'] }],
    ['a redirect URI with a line break', 'invalid_redirect_uri', { redirect_uris: ['https://app.example.com/cb\r\nSet-Cookie: x=1'] }],
    ['a wildcard redirect URI', 'invalid_redirect_uri', { redirect_uris: ['https://*.example.com/cb'] }],
    ['no redirect URI', 'invalid_redirect_uri', { redirect_uris: [] }],
    ['eleven redirect URIs', 'invalid_redirect_uri', { redirect_uris: Array.from({ length: 11 }, (_v, n) => `https://app.example.com/cb${n}`) }],
    ['a 2,001-character redirect URI', 'invalid_redirect_uri', { redirect_uris: [`https://app.example.com/${'a'.repeat(1977)}`] }],
    ['an unsupported auth method', 'invalid_client_metadata', { token_endpoint_auth_method: 'tls_client_auth' }],
    ['an unsupported grant type', 'invalid_client_metadata', { grant_types: ['password'] }],
    ['an http post-logout URI outside loopback', 'invalid_client_metadata', { post_logout_redirect_uris: ['http://app.example.com/bye'] }],
    ['a back-channel logout URI with a fragment', 'invalid_client_metadata', { backchannel_logout_uri: 'https://app.example.com/bcl#x' }],
    ['a 201-character client name', 'invalid_client_metadata', { client_name: 'n'.repeat(201) }],
    ['an http jwks_uri outside loopback', 'invalid_client_metadata', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://app.example.com/jwks' }],
    ['a jwks_uri with credentials', 'invalid_client_metadata', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://user:pw@app.example.com/jwks' }],
    ['a jwks_uri with a fragment', 'invalid_client_metadata', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example.com/jwks#k' }],
    ['jwks_uri together with jwks', 'invalid_client_metadata', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example.com/jwks', jwks: { keys: [] } }],
    ['a 2,001-character logo_uri', 'invalid_client_metadata', { logo_uri: `https://app.example.com/${'a'.repeat(1977)}` }],
    ['a language-tagged policy URI with credentials', 'invalid_client_metadata', { 'policy_uri#de': 'https://user:pw@app.example.com/datenschutz' }],
    ['a 255-character contact', 'invalid_client_metadata', { contacts: [`${'a'.repeat(243)}@example.com`] }],
  ];
  it.each(rejections)('rejects %s with %s', async (_what, error, metadata) => {
    const reply = await register(app(metadata));
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(error);
    expect(reply.json.error_description).toEqual(expect.any(String));
  });

  it('applies the redirect URI rules to sector_identifier_uri before the IdP fetches it', async () => {
    for (const [uri, reason] of [
      ['http://app.example.com/sector.json', /^sector_identifier_uri entry .* must use https/],
      ['https://user:pw@app.example.com/sector.json', /^sector_identifier_uri entry .* must not contain credentials/],
    ] as const) {
      const reply = await register(app({ sector_identifier_uri: uri }));
      expect(reply.json).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringMatching(reason) });
    }
  });

  it('answers malformed JSON and a wrong content type with 400 and an OAuth error body', async () => {
    const malformed = await call('POST', `${idp.issuer}/reg`, { token: STATIC_TOKEN, raw: '{"redirect_uris": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe('invalid_request');
    const form = await call('POST', `${idp.issuer}/reg`, { token: STATIC_TOKEN, raw: 'client_name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
    expect(form.json.error).toBe('invalid_request');
  });

  it('refuses a "__proto__" member, which would make the policy read values the engine never stores (found by an attacking review)', async () => {
    // As a native app, http://127.0.0.1 would pass the policy; the engine would store a web client.
    const raw = '{"__proto__":{"application_type":"native"},"client_name":"Proto","redirect_uris":["http://127.0.0.1:9/cb"]}';
    const reply = await call('POST', `${idp.issuer}/reg`, { token: STATIC_TOKEN, raw });
    expect(reply).toMatchObject({ status: 400, json: { error: 'invalid_client_metadata' } });
    const own = await register(app({ application_type: 'web' }));
    expect(own.status).toBe(201);
  });
});

describe('initial access tokens', () => {
  it('answers 401 invalid_token without a token or with an unknown one', async () => {
    for (const token of [undefined, 'not-a-real-token']) {
      const reply = await call('POST', `${idp.issuer}/reg`, { token, body: app() });
      expect(reply.status).toBe(401);
      expect(reply.json.error).toBe('invalid_token');
    }
  });

  it('accepts a minted token until it expires', async () => {
    const token = await mintInitialAccessToken(idp.provider(), { expiresInSeconds: 1 });
    expect((await register(app(), token)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await register(app(), token)).status).toBe(401);
  });

  it('accepts a single-use token once, and a rejected registration does not use it up', async () => {
    const token = await mintInitialAccessToken(idp.provider(), { singleUse: true, expiresInSeconds: 600 });
    expect((await register(app({ redirect_uris: ['http://app.example.com/cb'] }), token)).status).toBe(400);
    expect((await register(app(), token)).status).toBe(201);
    const again = await register(app(), token);
    expect(again.status).toBe(401);
    expect(again.json.error).toBe('invalid_token');
  });

  it('lets exactly one of two concurrent registrations use a single-use token', async () => {
    const token = await mintInitialAccessToken(idp.provider(), { singleUse: true, expiresInSeconds: 600 });
    const replies = await Promise.all([register(app(), token), register(app(), token)]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 401]);
  });
});

describe('POST /reg with client_credentials', () => {
  const machine = { client_name: 'Reports job', grant_types: ['client_credentials'], response_types: [] };

  it('refuses a client_credentials client: only an admin registers one', async () => {
    for (const body of [machine, app({ grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] })]) {
      const reply = await register(body);
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/registered by an admin/) });
    }
  });

  it('refuses an update that adds client_credentials to a registered app (RFC 7592)', async () => {
    const created = (await register(app())).json;
    const update = await updateRegistration(created, { grant_types: ['authorization_code', 'client_credentials'] });
    expect(update.status).toBe(400);
    expect(update.json.error_description).toMatch(/registered by an admin/);
    expect((await idp.clients.find(created.client_id as string))?.grant_types).not.toContain('client_credentials');
  });
});

describe('registration management (RFC 7592)', () => {
  it('reads, updates with new secret and access token, and deletes a client', async () => {
    const created = (await register(app())).json;
    const uri = created.registration_client_uri as string;
    const read = await call('GET', uri, { token: created.registration_access_token as string });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ client_id: created.client_id, redirect_uris: ['http://app.localhost:9/cb'] });

    const update = await call('PUT', uri, {
      token: created.registration_access_token as string,
      body: { client_id: created.client_id, client_name: 'Renamed', redirect_uris: ['http://app.localhost:9/new'] },
    });
    expect(update.status).toBe(200);
    expect(update.json).toMatchObject({ client_name: 'Renamed', redirect_uris: ['http://app.localhost:9/new'] });
    expect(update.json.registration_access_token).not.toBe(created.registration_access_token);
    expect(update.json.client_secret).toEqual(expect.any(String));
    expect(update.json.client_secret).not.toBe(created.client_secret);
    expect((await call('GET', uri, { token: created.registration_access_token as string })).status).toBe(401);

    const badUpdate = await call('PUT', uri, { token: update.json.registration_access_token as string, body: { client_id: created.client_id, redirect_uris: ['https://*.example/cb'] } });
    expect(badUpdate.json.error).toBe('invalid_redirect_uri');

    const removed = await call('DELETE', uri, { token: update.json.registration_access_token as string });
    expect(removed.status).toBe(204);
    expect(await idp.clients.find(created.client_id as string)).toBeUndefined();
  });
});

describe('a dynamically registered client', () => {
  it('signs a person in end to end, after the consent page, knowing only the issuer URL', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const siteUrl = `http://site-c.localhost:${(server.address() as AddressInfo).port}`;
    const stack = await startStack({ idp }); // seeds the demo accounts
    const registered = (await register({ client_name: 'Site C', redirect_uris: [`${siteUrl}/callback`] })).json;
    const config = loadSiteAConfig({ ISSUER: idp.issuer, SITE_A_URL: siteUrl, SITE_A_CLIENT_ID: registered.client_id as string, SITE_A_CLIENT_SECRET: registered.client_secret as string });
    server.on('request', createSiteA(config, { fetch: createLoopbackFetch() }).app.callback());
    try {
      const browser = new HttpClient();
      const loginPage = await browser.follow(await browser.get(`${siteUrl}/login`));
      const consent = await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, { email: 'alice@example.com', password: 'wonderland' }));
      expect(consent.body).toContain(`Allow <strong>Site C</strong> <span class="client-host">(${new URL(siteUrl).host})</span> to access your account?`);
      const home = await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(consent.url)}/confirm`, {}));
      expect(home.url).toBe(`${siteUrl}/`);
      expect(home.body).toContain('Hello, Alice Liddell');
    } finally {
      await stack.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
