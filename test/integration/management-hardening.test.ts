/**
 * What two attacking reviews of the Management API found, pinned: a password reset racing a
 * sign-in with the old password, the CLI's secret sent to a token endpoint off the issuer's
 * origin, bursts of key rotations past the cap, a deleted client's id re-created to read another
 * API's tokens, lookalikes of the Management API's identifier, and the audit trail of creations.
 */
import http from 'node:http';
import { runAdminOverHttp } from '../../src/admin/cli.js';
import { MAX_PUBLISHED_KEYS } from '../../src/oidc/key-admin.js';
import { managementApiIdentifier } from '../../src/management/management-api.js';
import { HttpClient } from '../support/http-client.js';
import { loginFormAt } from '../support/journeys.js';
import { callApi, createAdminClient, managementToken } from '../support/management.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack();
  token = await managementToken(stack.idp, await createAdminClient(stack.idp));
});
afterAll(() => stack.stop());

const api = (method: string, path: string, body?: unknown) => callApi(stack.idp, token, method, path, body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a password reset racing a sign-in with the old password', () => {
  it('never leaves the old password signed in, whichever lands first', async () => {
    for (const delay of [0, 5, 10, 20, 30, 40, 60, 80]) {
      const email = `racer-${delay}@example.com`;
      const created = await api('POST', '/users', { email, name: 'Racer', password: 'old-password-123' });
      expect(created.status).toBe(201);
      const browser = new HttpClient();
      const form = await loginFormAt(stack, browser);
      const signIn = browser.post(form, { email, password: 'old-password-123' }).then((reply) => browser.follow(reply));
      await sleep(delay);
      const reset = await api('PUT', `/users/${created.json.id}/password`, { password: 'new-password-456' });
      expect(reset.status).toBe(200);
      await signIn.catch(() => undefined);
      // Whatever the sign-in got, the IdP no longer knows this browser as signed in.
      const account = await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
      expect([delay, account.body.includes('name="password"')]).toEqual([delay, true]);
    }
  }, 60_000);
});

describe('the admin CLI and its secret', () => {
  it('sends the client secret only to a token endpoint on the issuer\'s own origin', async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const fake = http.createServer((request, response) => {
      seen.push({ path: request.url!, authorization: request.headers.authorization });
      const { port } = fake.address() as { port: number };
      response.setHeader('content-type', 'application/json');
      // A proxy that hid https, or a poisoned cache: the endpoint is elsewhere.
      response.end(JSON.stringify({ issuer: `http://127.0.0.1:${port}`, token_endpoint: `http://other.localhost:${port}/token` }));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const { port } = fake.address() as { port: number };
    let err = '';
    try {
      const code = await runAdminOverHttp(['clients', 'list'], {
        env: { issuer: `http://127.0.0.1:${port}`, clientId: 'admin', clientSecret: 'the-secret' },
        fetch: fetchLoopback,
        io: { out: () => undefined, err: (text) => (err += text), readSecret: async () => '' },
      });
      expect(code).toBe(1);
      expect(err).toMatch(/not on the issuer's own origin: the client secret is not sent there/);
      expect(seen.map((request) => request.path)).toEqual(['/.well-known/openid-configuration']);
      expect(seen.every((request) => request.authorization === undefined)).toBe(true);
    } finally {
      fake.close();
    }
  });
});

describe('key rotations', () => {
  it('hold the cap under a burst of concurrent rotations', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, () => api('POST', '/keys/rotate', { purpose: 'signing' })));
    expect(replies.every((reply) => [200, 409].includes(reply.status))).toBe(true);
    const published = (await api('GET', '/keys?purpose=signing&limit=100')).json.items.filter((key: { state: string }) => key.state !== 'expired');
    expect(published.length).toBeLessThanOrEqual(MAX_PUBLISHED_KEYS);
  });
});

describe('ids that outlive what they named', () => {
  it('refuses to delete a client while an API names it as its introspecting client', async () => {
    const introspector = await api('POST', '/clients', { client_name: 'Orders API', grant_types: ['client_credentials'] });
    const id = introspector.json.client_id as string;
    const put = await api('PUT', `/resource-servers/${encodeURIComponent('http://orders.localhost/api')}`, { name: 'Orders', scopes: ['orders:read'], token_format: 'opaque', introspecting_client_id: id });
    expect([200, 201]).toContain(put.status);
    const refused = await api('DELETE', `/clients/${id}`);
    expect(refused).toMatchObject({ status: 409, json: { code: 'conflict', detail: expect.stringMatching(/introspects the tokens of http:\/\/orders\.localhost\/api/) } });
    expect(await stack.idp.clients.find(id)).toBeDefined();
  });

  it("refuses resource servers on the IdP's own host, however spelled, so none can pass for the Management API", async () => {
    const own = managementApiIdentifier(stack.idp.issuer);
    const { origin, hostname, port } = new URL(own);
    for (const lookalike of [
      `${own}/`,
      own.replace('http://', 'HTTP://'),
      `${origin}/api/v1/x`,
      `${origin}/%61pi/v1`,
      `${origin}/API/v2`,
      // Found by an attacking review: a doubled or escaped slash, and the host as a fully qualified name.
      `${origin}//api/v1`,
      `${origin}/%2Fapi/v1`,
      `${origin}///api/v1`,
      `http://${hostname}.:${port}/api/v1`,
      `https://${hostname}/api/v1`,
      `${origin}/billing`,
      // Another scheme keeps its host as written: case and escapes (an attacking review of the fix).
      `foo://${hostname.toUpperCase()}/api/v1`,
      `foo://${hostname}%2e/api/v1`,
    ]) {
      const reply = await api('PUT', `/resource-servers/${encodeURIComponent(lookalike)}`, { name: 'Lookalike', scopes: ['admin:clients:write'] });
      expect([lookalike, reply.status]).toEqual([lookalike, 409]);
    }
  });
});

describe('the audit trail of creations', () => {
  it('names the user an admin created, and which initial access token was minted without the token', async () => {
    const user = await api('POST', '/users', { email: 'audited@example.com', name: 'Audited', password: 'audited-password-1' });
    const minted = await api('POST', '/initial-access-tokens', { expires_in_seconds: 3600, single_use: true });
    const events = await stack.idp.storage.audit.list({ limit: 20, type: 'admin.change' });
    expect(events.find((event) => event.detail?.operation === 'createUser')).toMatchObject({ accountId: user.json.id });
    const mint = events.find((event) => event.detail?.operation === 'createInitialAccessToken')!;
    expect(mint.detail).toMatchObject({ single_use: true, expires_at: minted.json.expires_at, token_sha256: expect.any(String) });
    expect(JSON.stringify(mint)).not.toContain(minted.json.initial_access_token);
  });
});
