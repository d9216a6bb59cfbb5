import { fetchLoopback } from '../support/oidc-flow.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp.stop();
});

async function getJson(url: string) {
  const response = await fetchLoopback(url);
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

describe('GET /.well-known/openid-configuration', () => {
  it('names this issuer and advertises the code flow with S256 PKCE, RS256 and ES256', async () => {
    const { status, json } = await getJson(`${idp.issuer}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(json.issuer).toBe(idp.issuer);
    expect(json.response_types_supported).toEqual(['code']);
    expect(json.code_challenge_methods_supported).toEqual(['S256']);
    expect(json.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(json.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(json.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'email', 'email_verified']));
    expect(json.prompt_values_supported).toEqual(expect.arrayContaining(['none', 'login', 'consent', 'select_account']));
    expect(json.subject_types_supported).toEqual(['public']);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      expect(String(json[endpoint])).toMatch(new RegExp(`^${idp.issuer}/`));
    }
  });
});

describe('GET /jwks', () => {
  it('publishes an RS256 and an ES256 signing key with no private parameters', async () => {
    const { json } = await getJson(`${idp.issuer}/jwks`);
    const keys = json.keys as Record<string, unknown>[];
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) });
      for (const privateParam of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privateParam);
    }
  });
});

describe('GET /', () => {
  it('names the issuer and links the discovery document', async () => {
    const response = await fetchLoopback(`${idp.issuer}/`);
    const html = await response.text();
    expect(html).toContain(idp.issuer);
    expect(html).toContain(`href="${idp.issuer}/.well-known/openid-configuration"`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('GET /healthz and /readyz', () => {
  it('reports the process alive and the in-memory store ready', async () => {
    expect((await getJson(`${idp.issuer}/healthz`)).json).toEqual({ status: 'ok' });
    expect((await getJson(`${idp.issuer}/readyz`)).json).toEqual({ status: 'ready' });
  });
});
