/**
 * A deleted client takes what it held with it: the grants people gave it and every token and
 * code issued to it (oidc/revoke-client.ts), whichever way it was deleted (the Management API,
 * RFC 7592 self-deletion). Found by attacking reviews: a client re-created under a deleted id
 * could refresh the old client's tokens, and introspecting a token of a deleted client was a 500.
 */
import { registerAccount } from '../../src/accounts/accounts.js';
import { HttpClient } from '../support/http-client.js';
import { callApi, createAdminClient, managementToken } from '../support/management.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { callJson, registerClient } from '../support/registration.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

const IAT = 'static-initial-access-token-for-tests-0123456789';
const reportsApi = { id: 'reports-api', secret: 'reports-api-secret-0123456789abcdefgh', resource: 'http://reports.localhost/api' };
const alice = { email: 'alice@example.com', password: 'wonderland' };
let idp: RunningIdp;
let stack: Stack;
let adminToken: string;
beforeAll(async () => {
  idp = await startIdp({ env: { INITIAL_ACCESS_TOKEN: IAT } });
  stack = await startStack({ idp });
  adminToken = await managementToken(idp, await createAdminClient(idp));
  await idp.clients.save({ client_id: reportsApi.id, client_secret: reportsApi.secret, redirect_uris: ['http://reports.localhost/cb'] }, { firstParty: false });
  await idp.resourceServers.save({ identifier: reportsApi.resource, name: 'Reports API', scope: 'reports:read', tokenFormat: 'opaque', clientId: reportsApi.id });
});
afterAll(async () => {
  await stack.stop();
  await idp.stop();
});

const api = (method: string, path: string, body?: unknown) => callApi(idp, adminToken, method, path, body);

/** The reports API introspecting a token, as a resource server does. */
async function introspect(token: string) {
  const reply = await fetchLoopback(`${idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${reportsApi.id}:${reportsApi.secret}`).toString('base64')}` },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: reply.status, json: (await reply.json()) as Record<string, unknown> };
}

/** Alice signs in to the client (code flow with PKCE, consent given): its tokens. */
async function tokensOf(client: { id: string; secret?: string }, redirect: string, scope: string, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(new HttpClient(), {
    issuer: idp.issuer,
    params: { client_id: client.id, redirect_uri: redirect, response_type: 'code', scope, prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256', ...extra },
    credentials: alice,
    consent: 'allow',
  });
  const body = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirect, code_verifier: verifier, ...extra };
  if (client.secret !== undefined) return (await exchangeCode(idp.issuer, { id: client.id, secret: client.secret }, body)).json as Record<string, string>;
  return publicTokenRequest(client.id, body);
}

/** A token request of a public client (no secret: its client_id in the body). */
async function publicTokenRequest(clientId: string, body: Record<string, string>): Promise<Record<string, string>> {
  const reply = await fetchLoopback(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, ...body }).toString(),
  });
  return { status: String(reply.status), ...((await reply.json()) as Record<string, string>) };
}

const recordsOf = async (model: string, clientId: string) => (await idp.storage.modelStore(model).list()).filter(({ payload }) => payload.clientId === clientId);

it('a client that deletes itself (RFC 7592) leaves no grant or token, and its tokens introspect as inactive', async () => {
  const redirect = 'http://doomed.localhost:9/cb';
  const reg = await registerClient(idp.issuer, IAT, { client_name: 'Doomed', redirect_uris: [redirect] });
  const client = { id: reg.json.client_id as string, secret: reg.json.client_secret as string };
  const tokens = await tokensOf(client, redirect, 'openid reports:read', { resource: reportsApi.resource });
  expect((await introspect(tokens.access_token!)).json.active).toBe(true);
  expect(await recordsOf('Grant', client.id)).toHaveLength(1);
  expect((await callJson('DELETE', reg.json.registration_client_uri as string, { token: reg.json.registration_access_token as string })).status).toBe(204);
  expect(await introspect(tokens.access_token!)).toEqual({ status: 200, json: { active: false } });
  // The records go just after the deletion's answer.
  for (let waited = 0; (await recordsOf('AccessToken', client.id)).length > 0 && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const model of ['Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode']) expect([model, await recordsOf(model, client.id)]).toEqual([model, []]);
});

it('a token whose client is gone introspects as inactive even while its record is still there', async () => {
  const redirect = 'http://vanishing.localhost:9/cb';
  const reg = await registerClient(idp.issuer, IAT, { client_name: 'Vanishing', redirect_uris: [redirect] });
  const client = { id: reg.json.client_id as string, secret: reg.json.client_secret as string };
  const tokens = await tokensOf(client, redirect, 'openid reports:read', { resource: reportsApi.resource });
  // Only the client record goes (as a record written before the store indexed clientId would stay).
  await idp.storage.modelStore('Client').destroy(client.id);
  expect(await introspect(tokens.access_token!)).toEqual({ status: 200, json: { active: false } });
});

it('a client re-created under a deleted id (Management API) gets none of the old client\'s refresh tokens or consent', async () => {
  await registerAccount(idp.storage.accounts, { email: 'reuse@example.com', password: 'reuse-password-1', name: 'Reuse' }).catch(() => undefined);
  const redirect = `${stack.siteA.url}/cb`;
  expect((await api('POST', '/clients', { client_id: 'reused-app', client_name: 'Old app', redirect_uris: [redirect], public: true })).status).toBe(201);
  const issued = await tokensOf({ id: 'reused-app' }, redirect, 'openid offline_access');
  expect(issued.refresh_token).toEqual(expect.any(String));
  expect((await api('DELETE', '/clients/reused-app')).status).toBe(204);
  for (const model of ['Grant', 'RefreshToken', 'AccessToken']) expect([model, await recordsOf(model, 'reused-app')]).toEqual([model, []]);
  expect((await api('POST', '/clients', { client_id: 'reused-app', client_name: 'New app', redirect_uris: [redirect], public: true })).status).toBe(201);
  const refreshed = await publicTokenRequest('reused-app', { grant_type: 'refresh_token', refresh_token: issued.refresh_token! });
  expect(refreshed).toMatchObject({ status: '400', error: 'invalid_grant' });
});

it('keeps the client when revoking what it holds fails part way, so deleting it again finishes the job', async () => {
  const redirect = `${stack.siteA.url}/cb`;
  expect((await api('POST', '/clients', { client_id: 'half-deleted', client_name: 'Half', redirect_uris: [redirect], public: true })).status).toBe(201);
  const issued = await tokensOf({ id: 'half-deleted' }, redirect, 'openid offline_access');
  const storage = idp.storage;
  const modelStore = storage.modelStore;
  storage.modelStore = (model) => {
    const store = modelStore.call(storage, model);
    return model === 'RefreshToken' ? { ...store, revokeByClientId: () => Promise.reject(new Error('the store stopped answering')) } : store;
  };
  try {
    expect((await api('DELETE', '/clients/half-deleted')).status).toBeGreaterThanOrEqual(500);
  } finally {
    storage.modelStore = modelStore;
  }
  expect((await api('GET', '/clients/half-deleted')).status).toBe(200);
  expect((await api('DELETE', '/clients/half-deleted')).status).toBe(204);
  expect(await recordsOf('RefreshToken', 'half-deleted')).toEqual([]);
  expect(issued.refresh_token).toEqual(expect.any(String));
});

it('takes with it a token issued while the deletion ran, before the client was gone', async () => {
  const redirect = `${stack.siteA.url}/cb`;
  expect((await api('POST', '/clients', { client_id: 'racing-app', client_name: 'Racing', redirect_uris: [redirect], public: true })).status).toBe(201);
  const { clients } = idp;
  const remove = clients.remove;
  // A request of the client's own lands after its records were revoked and before it is removed:
  // the client still authenticates then, so what it gets is written after the first pass.
  clients.remove = async (clientId) => {
    await idp.storage.modelStore('AccessToken').upsert('issued-meanwhile', { clientId, kind: 'AccessToken', jti: 'issued-meanwhile', scope: 'openid' }, 600);
    return remove.call(clients, clientId);
  };
  try {
    expect((await api('DELETE', '/clients/racing-app')).status).toBe(204);
  } finally {
    clients.remove = remove;
  }
  expect(await recordsOf('AccessToken', 'racing-app')).toEqual([]);
});
