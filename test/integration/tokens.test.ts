import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const app = { id: 'offline-app', secret: 'offline-app-secret-0123456789abcdefgh', redirect: 'http://offline.localhost:9/cb' };
const other = { id: 'other-app', secret: 'other-app-secret-0123456789abcdefghij', redirect: 'http://other.localhost:9/cb' };
const api = { id: 'reports-api', secret: 'reports-api-secret-0123456789abcdefgh', resource: 'http://reports.localhost/api' };

beforeAll(async () => {
  stack = await startStack();
  for (const client of [app, other]) {
    await stack.idp.clients.save({ client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirect], grant_types: ['authorization_code', 'refresh_token'] }, { firstParty: true });
  }
  await stack.idp.clients.save({ client_id: api.id, client_secret: api.secret, redirect_uris: ['http://reports.localhost/cb'] }, { firstParty: false });
  await stack.idp.resourceServers.save({ identifier: api.resource, name: 'Reports API', scope: 'reports:read', tokenFormat: 'opaque', clientId: api.id });
});
afterAll(async () => {
  await stack.stop();
});

type Client = { id: string; secret: string };
const basic = (client: Client) => `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

async function post(path: string, client: Client | undefined, body: Record<string, string>) {
  const response = await fetchLoopback(`${stack.idp.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(client ? { authorization: basic(client) } : {}) },
    body: new URLSearchParams(body).toString(),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function tokensFor(client: Client & { redirect: string }, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(new HttpClient(), {
    issuer: stack.idp.issuer,
    params: { client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256', ...extra },
    credentials: { email: 'alice@example.com', password: 'wonderland' },
    consent: 'allow',
  });
  const tokens = await exchangeCode(stack.idp.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
  return tokens.json as { access_token: string; refresh_token: string; expires_in: number };
}

const refresh = (client: Client, token: string) => post('/token', client, { grant_type: 'refresh_token', refresh_token: token });
const introspect = (client: Client | undefined, token: string) => post('/token/introspection', client, { token });
const revoke = (client: Client | undefined, token: string) => post('/token/revocation', client, { token });

describe('access tokens', () => {
  it('are short-lived: minutes, as configured', async () => {
    const tokens = await tokensFor(app);
    expect(tokens.expires_in).toBeLessThanOrEqual(stack.idp.config.ttl.accessTokenSeconds);
    expect(stack.idp.config.ttl.accessTokenSeconds).toBe(600);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use', async () => {
    const first = await tokensFor(app);
    const second = await refresh(app, first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).toEqual(expect.any(String));
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    const third = await refresh(app, second.json.refresh_token as string);
    expect(third.json.refresh_token).not.toBe(second.json.refresh_token);
  });

  it('revoke the whole grant when a used one is presented again (reuse detection)', async () => {
    const first = await tokensFor(app);
    const second = await refresh(app, first.refresh_token);
    const reused = await refresh(app, first.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.json.error).toBe('invalid_grant');
    // The thief's replay took the legitimate chain down too.
    expect((await refresh(app, second.json.refresh_token as string)).json.error).toBe('invalid_grant');
    expect((await introspect(app, second.json.access_token as string)).json).toEqual({ active: false });
  });
});

describe('POST /token/introspection (RFC 7662)', () => {
  it('tells the client that holds a token that it is active, with its claims', async () => {
    const tokens = await tokensFor(app);
    const reply = await introspect(app, tokens.access_token);
    expect(reply.json).toMatchObject({ active: true, client_id: app.id, token_type: 'Bearer', scope: expect.stringContaining('openid'), exp: expect.any(Number), sub: expect.any(String) });
    expect((await introspect(app, tokens.refresh_token)).json).toMatchObject({ active: true, client_id: app.id });
  });

  it('says active: false for an unknown token and for another client’s token', async () => {
    const tokens = await tokensFor(app);
    expect((await introspect(app, 'no-such-token')).json).toEqual({ active: false });
    expect((await introspect(other, tokens.access_token)).json).toEqual({ active: false });
  });

  it('requires client authentication', async () => {
    const tokens = await tokensFor(app);
    const none = await introspect(undefined, tokens.access_token);
    expect(none.status).toBe(400);
    expect(none.json.error).toBe('invalid_request');
    const wrong = await introspect({ id: app.id, secret: 'wrong-secret' }, tokens.access_token);
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_client');
  });

  it('lets a resource server introspect the opaque tokens issued for it', async () => {
    const tokens = await tokensFor(app, { scope: 'openid reports:read', resource: api.resource, prompt: 'consent' });
    expect((await introspect(api, tokens.access_token)).json).toMatchObject({ active: true, aud: api.resource, client_id: app.id });
  });
});

describe('POST /token/revocation (RFC 7009)', () => {
  it('revokes a refresh token so it stops working at once', async () => {
    const tokens = await tokensFor(app);
    const reply = await revoke(app, tokens.refresh_token);
    expect(reply.status).toBe(200);
    expect((await refresh(app, tokens.refresh_token)).json.error).toBe('invalid_grant');
    expect((await introspect(app, tokens.refresh_token)).json).toEqual({ active: false });
  });

  it('ignores another client’s attempt to revoke a token, which stays active', async () => {
    const tokens = await tokensFor(app);
    expect((await revoke(other, tokens.refresh_token)).status).toBe(200);
    expect((await introspect(app, tokens.refresh_token)).json).toMatchObject({ active: true });
  });

  it('requires client authentication', async () => {
    const tokens = await tokensFor(app);
    expect((await revoke(undefined, tokens.refresh_token)).status).toBe(400);
    expect((await revoke({ id: app.id, secret: 'wrong-secret' }, tokens.refresh_token)).json.error).toBe('invalid_client');
    expect((await introspect(app, tokens.refresh_token)).json).toMatchObject({ active: true });
  });
});
