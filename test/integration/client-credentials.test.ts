/**
 * The client_credentials grant (RFC 6749 section 4.4) end to end: a machine client registered by
 * an admin gets an access token for a resource server (RFC 8707) and calls site-b's /api/status
 * with it; everything else that could ask for such a token is refused in OAuth's error format.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { addClientApp } from '../../src/client-apps/client-apps.js';
import { createLogger } from '../../src/logger.js';
import { HttpClient } from '../support/http-client.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

let idp: RunningIdp;
let stack: Stack;
/** Everything the IdP logged (debug level and up), and every access token it issued here. */
const logged: string[] = [];
const issued: string[] = [];
type Client = { id: string; secret: string };
let machine: Client;
let introspectingApi: Client;
const reportsApi = 'http://reports.localhost/api';
const otherApi = 'http://other-api.localhost/api';
const opaqueApi = 'http://opaque-api.localhost/api';

async function registerMachine(name: string): Promise<Client> {
  const { metadata } = await addClientApp(stack.idp, { name, grants: ['client_credentials'] });
  return { id: metadata.client_id, secret: metadata.client_secret! };
}

beforeAll(async () => {
  idp = await startIdp({ logger: createLogger('debug', (line) => logged.push(line)) });
  stack = await startStack({ idp });
  machine = await registerMachine('Status checker');
  introspectingApi = await registerMachine('Opaque API');
  await stack.idp.resourceServers.save({ identifier: reportsApi, name: 'Reports API', scope: 'reports:read' });
  await stack.idp.resourceServers.save({ identifier: otherApi, name: 'Other API', scope: 'api:read api:status' });
  await stack.idp.resourceServers.save({ identifier: opaqueApi, name: 'Opaque API', scope: 'jobs:run', tokenFormat: 'opaque', clientId: introspectingApi.id });
  // Granted by an admin, API by API (client-apps/api-access.ts); registering grants nothing.
  for (const [resource, scopes] of [
    [reportsApi, ['reports:read']],
    [otherApi, ['api:read', 'api:status']],
    [opaqueApi, ['jobs:run']],
    [stack.siteB.config.apiResource, ['api:read', 'api:status']],
  ] as const) {
    await stack.idp.apiAccess.setGrant(machine.id, { resource, scopes: [...scopes] });
  }
});
afterAll(async () => {
  await stack.stop();
  await idp.stop();
});

const basic = (client: Client) => `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

async function post(path: string, client: Client | undefined, body: Record<string, string | string[]>) {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) for (const one of ([] as string[]).concat(value)) form.append(key, one);
  const response = await fetchLoopback(`${stack.idp.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(client ? { authorization: basic(client) } : {}) },
    body: form.toString(),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (typeof json.access_token === 'string') issued.push(json.access_token);
  return { status: response.status, json };
}

const siteBApi = () => stack.siteB.config.apiResource;
const tokenFor = (client: Client, params: Record<string, string | string[]>) => post('/token', client, { grant_type: 'client_credentials', ...params });

async function accessToken(client: Client, resource: string, scope: string): Promise<string> {
  const reply = await tokenFor(client, { resource, scope });
  expect(reply.status).toBe(200);
  return reply.json.access_token as string;
}

function callSiteB(path: string, token: string) {
  return fetchLoopback(`${stack.siteB.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('discovery', () => {
  it('lists client_credentials in grant_types_supported', async () => {
    const response = await fetchLoopback(`${stack.idp.issuer}/.well-known/openid-configuration`);
    const json = (await response.json()) as { grant_types_supported: string[] };
    expect(json.grant_types_supported).toContain('client_credentials');
  });
});

describe('POST /token grant_type=client_credentials', () => {
  it('issues a JWT access token (RFC 9068) for the resource with the scopes asked for, and nothing else', async () => {
    const reply = await tokenFor(machine, { resource: reportsApi, scope: 'reports:read' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number), scope: 'reports:read' });
    // RFC 6749 section 4.4.3: no refresh token; no person, so no ID token.
    expect(reply.json).not.toHaveProperty('refresh_token');
    expect(reply.json).not.toHaveProperty('id_token');
    expect(reply.json.expires_in).toBeLessThanOrEqual(stack.idp.config.ttl.accessTokenSeconds);
    const token = reply.json.access_token as string;
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    // RFC 9068 section 2.2: with no resource owner, sub is the client.
    expect(decodeJwt(token)).toMatchObject({ iss: stack.idp.issuer, aud: reportsApi, sub: machine.id, client_id: machine.id, scope: 'reports:read' });
  });

  it('accepts client_secret_post as well as client_secret_basic', async () => {
    const reply = await post('/token', undefined, { grant_type: 'client_credentials', client_id: machine.id, client_secret: machine.secret, resource: reportsApi, scope: 'reports:read' });
    expect(reply.status).toBe(200);
  });

  it('issues an opaque token for an API registered with opaque tokens, which that API introspects', async () => {
    const token = await accessToken(machine, opaqueApi, 'jobs:run');
    expect(token.split('.')).toHaveLength(1);
    const introspection = await post('/token/introspection', introspectingApi, { token });
    expect(introspection.json).toMatchObject({ active: true, client_id: machine.id, aud: opaqueApi, scope: 'jobs:run', token_type: 'Bearer' });
  });

  it('never issues a refresh token: the machine client may not use the refresh_token grant', async () => {
    const reply = await tokenFor(machine, { resource: reportsApi, scope: 'reports:read', grant_type: 'refresh_token', refresh_token: 'anything' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('unauthorized_client');
  });
});

describe('POST /token grant_type=client_credentials, refused', () => {
  const good = () => ({ resource: reportsApi, scope: 'reports:read' });

  it('answers invalid_client (401) to a wrong secret and to an unknown client', async () => {
    for (const client of [{ ...machine, secret: 'not-the-secret' }, { id: 'no-such-client', secret: 'x' }]) {
      const reply = await tokenFor(client, good());
      expect(reply.status).toBe(401);
      expect(reply.json.error).toBe('invalid_client');
      expect(reply.json).not.toHaveProperty('access_token');
    }
  });

  it('answers unauthorized_client (RFC 6749 section 5.2) to a client not registered for the grant', async () => {
    const siteB = { id: stack.siteB.config.clientId, secret: stack.siteB.config.clientSecret };
    const reply = await tokenFor(siteB, good());
    expect(reply).toEqual({ status: 400, json: { error: 'unauthorized_client', error_description: expect.any(String) } });
  });

  it('answers unauthorized_client to a public client, even one stored with the grant by going around the policy', async () => {
    const publicClient = { client_id: 'public-machine', token_endpoint_auth_method: 'none' as const, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    await stack.idp.clients.save(publicClient, { firstParty: false });
    const reply = await post('/token', undefined, { grant_type: 'client_credentials', client_id: publicClient.client_id, ...good() });
    expect(reply).toEqual({ status: 400, json: { error: 'unauthorized_client', error_description: expect.stringMatching(/confidential clients only/) } });
    // The same request without a resource is refused for the same reason first.
    const noResource = await post('/token', undefined, { grant_type: 'client_credentials', client_id: publicClient.client_id, scope: 'reports:read' });
    expect(noResource.json.error).toBe('unauthorized_client');
  });

  it('answers invalid_target to a request without a resource: a token for no API is useless', async () => {
    for (const params of [{ scope: 'reports:read' }, {}] as Record<string, string>[]) {
      const reply = await tokenFor(machine, params);
      expect(reply).toEqual({ status: 400, json: { error: 'invalid_target', error_description: expect.stringMatching(/needs a resource parameter/) } });
    }
  });

  it('answers invalid_target to an unknown resource, a malformed one, and two at once', async () => {
    for (const resource of ['http://unknown.localhost/api', '', 'not a uri', `${reportsApi}#fragment`, [reportsApi, otherApi]]) {
      const reply = await tokenFor(machine, { resource, scope: 'reports:read' });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toBe('invalid_target');
    }
  });

  it('answers invalid_scope to a scope the resource server does not offer, and to no scope at all', async () => {
    for (const scope of ['reports:write', 'reports:read reports:write', 'openid', 'offline_access', 'jobs:run']) {
      const reply = await tokenFor(machine, { resource: reportsApi, scope });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toBe('invalid_scope');
    }
    for (const none of [{ resource: reportsApi }, { resource: reportsApi, scope: '' }] as Record<string, string>[]) {
      expect((await tokenFor(machine, none)).json).toEqual({ error: 'invalid_scope', error_description: expect.stringMatching(/needs a scope/) });
    }
  });

  it('answers invalid_target to an API the client was never granted, whatever it offers', async () => {
    const ungranted = await registerMachine('Not granted anything');
    const reply = await tokenFor(ungranted, good());
    expect(reply).toEqual({ status: 400, json: { error: 'invalid_target', error_description: expect.stringMatching(/no access to http:\/\/reports\.localhost\/api: an admin grants it/) } });
  });

  it('answers invalid_scope to a scope the API offers but the client was not granted, and issues at once after the grant', async () => {
    const narrow = await registerMachine('Narrow');
    await stack.idp.apiAccess.setGrant(narrow.id, { resource: otherApi, scopes: ['api:read'] });
    const reply = await tokenFor(narrow, { resource: otherApi, scope: 'api:read api:status' });
    expect(reply).toEqual({ status: 400, json: { error: 'invalid_scope', error_description: expect.stringMatching(/not granted api:status/), scope: 'api:status' } });
    expect((await tokenFor(narrow, { resource: otherApi, scope: 'api:read' })).status).toBe(200);
    // Taken away: refused on the next request.
    await stack.idp.apiAccess.setGrant(narrow.id, { resource: otherApi, scopes: [] });
    expect((await tokenFor(narrow, { resource: otherApi, scope: 'api:read' })).json.error).toBe('invalid_target');
  });

  it('does not let a machine client start a browser sign-in (no response types, no redirect URI)', async () => {
    const reply = await new HttpClient().get(`${stack.idp.issuer}/auth?${new URLSearchParams({ client_id: machine.id, response_type: 'code', scope: 'openid', redirect_uri: 'http://evil.localhost/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`);
    expect(reply.status).toBe(400);
    expect(reply.location).toBeUndefined();
  });
});

describe('a client_credentials token at the APIs', () => {
  it('works at site-b /api/status, which names the calling client', async () => {
    const response = await callSiteB('/api/status', await accessToken(machine, siteBApi(), 'api:status'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', client_id: machine.id, scope: 'api:status' });
  });

  it('gets 403 insufficient_scope at /api/status without api:status', async () => {
    const response = await callSiteB('/api/status', await accessToken(machine, siteBApi(), 'api:read'));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="site-b", error="insufficient_scope", error_description="This API needs the api:status scope", scope="api:status"');
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('gets 401 invalid_token at /api/status when issued for another API (wrong audience)', async () => {
    const response = await callSiteB('/api/status', await accessToken(machine, otherApi, 'api:status'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('is refused at site-b /api/me, which answers for a person only, even with api:read', async () => {
    const response = await callSiteB('/api/me', await accessToken(machine, siteBApi(), 'api:read api:status'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/for a person/) });
  });

  it("is refused at the IdP's userinfo endpoint (/me), JWT or opaque", async () => {
    for (const token of [await accessToken(machine, reportsApi, 'reports:read'), await accessToken(machine, opaqueApi, 'jobs:run')]) {
      const response = await fetchLoopback(`${stack.idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
    }
  });
});

describe('logs', () => {
  it('hold no client secret and no access token of all the requests above', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(issued.length).toBeGreaterThan(3);
    for (const secret of [machine.secret, introspectingApi.secret, ...issued]) {
      expect(logged.filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(logged.some((line) => line.includes('"oidc.grant.error"') && line.includes('invalid_scope'))).toBe(true);
  });
});
