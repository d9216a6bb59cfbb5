import { rotateKeys } from '../../src/oidc/key-ring.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startIdp({ env: { WEBFINGER_HOSTS: 'example.com' } });
});
afterAll(async () => {
  await idp.stop();
});

async function getJson(url: string, init?: RequestInit) {
  const response = await fetchLoopback(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const openid = () => getJson(`${idp.issuer}/.well-known/openid-configuration`);

describe('GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0)', () => {
  it('has every REQUIRED field and names this issuer', async () => {
    const { status, json } = await openid();
    expect(status).toBe(200);
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']) {
      expect(json).toHaveProperty(field);
    }
    expect(json.issuer).toBe(idp.issuer);
  });

  it('advertises exactly what is configured', async () => {
    const { json } = await openid();
    expect(json.response_types_supported).toEqual(['code']);
    expect(json.code_challenge_methods_supported).toEqual(['S256']);
    expect(json.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    expect(json.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(json.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    // RFC 8414 section 2: without these a client must assume client_secret_basic alone there.
    expect(json.introspection_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    expect(json.revocation_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    // With private_key_jwt listed, the algorithms must be too (RFC 8414 section 2): the token endpoint's.
    expect(json.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA']);
    expect(json.introspection_endpoint_auth_signing_alg_values_supported).toEqual(json.token_endpoint_auth_signing_alg_values_supported);
    expect(json.revocation_endpoint_auth_signing_alg_values_supported).toEqual(json.token_endpoint_auth_signing_alg_values_supported);
    expect(json.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(json.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'given_name', 'family_name', 'email', 'email_verified']));
    expect(json.prompt_values_supported).toEqual(expect.arrayContaining(['none', 'login', 'consent', 'select_account']));
    expect(json.subject_types_supported).toEqual(['public']);
    expect(json.response_modes_supported).toEqual(expect.arrayContaining(['query', 'form_post']));
    expect(json.claims_parameter_supported).toBe(true);
    expect(json.authorization_response_iss_parameter_supported).toBe(true);
    expect(json.registration_endpoint).toBe(`${idp.issuer}/reg`);
    expect(json.end_session_endpoint).toBe(`${idp.issuer}/session/end`);
    expect(json.backchannel_logout_supported).toBe(true);
    expect(json.backchannel_logout_session_supported).toBe(true);
    expect(json.introspection_endpoint).toBe(`${idp.issuer}/token/introspection`);
    expect(json.revocation_endpoint).toBe(`${idp.issuer}/token/revocation`);
  });

  it('advertises only endpoints that answer (each is called)', async () => {
    const { json } = await openid();
    const expectations: [string, RequestInit, number[]][] = [
      ['authorization_endpoint', {}, [400]], // no parameters: an error page, not a 404
      ['token_endpoint', { method: 'POST' }, [400, 401]],
      ['userinfo_endpoint', {}, [401]],
      ['jwks_uri', {}, [200]],
      ['registration_endpoint', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, [401]],
      ['end_session_endpoint', {}, [200]],
      ['pushed_authorization_request_endpoint', { method: 'POST' }, [400, 401]],
      ['introspection_endpoint', { method: 'POST' }, [400, 401]],
      ['revocation_endpoint', { method: 'POST' }, [400, 401]],
    ];
    for (const [field, init, statuses] of expectations) {
      expect(json[field]).toEqual(expect.stringMatching(new RegExp(`^${idp.issuer}/`)));
      const response = await fetchLoopback(json[field] as string, init);
      expect({ field, answered: statuses.includes(response.status) ? 'as expected' : response.status }).toEqual({ field, answered: 'as expected' });
    }
    const advertised = Object.keys(json).filter((key) => key.endsWith('_endpoint') || key === 'jwks_uri');
    expect(advertised.sort()).toEqual(expectations.map(([field]) => field).sort());
  });
});

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('has every REQUIRED field and agrees with the OpenID document', async () => {
    const { status, json } = await getJson(`${idp.issuer}/.well-known/oauth-authorization-server`);
    expect(status).toBe(200);
    const oidc = (await openid()).json;
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'response_types_supported', 'jwks_uri', 'registration_endpoint', 'grant_types_supported', 'code_challenge_methods_supported']) {
      expect(json[field]).toEqual(oidc[field]);
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

  it('may be cached for one key refresh interval, so rotations are picked up', async () => {
    const { headers } = await getJson(`${idp.issuer}/jwks`);
    expect(headers.get('cache-control')).toBe(`public, max-age=${idp.config.keysRefreshSeconds}`);
  });
});

describe('GET /.well-known/webfinger (OpenID Connect Discovery 1.0 section 2)', () => {
  const webfinger = (query: string) => getJson(`${idp.issuer}/.well-known/webfinger?${query}`);
  const rel = `rel=${encodeURIComponent('http://openid.net/specs/connect/1.0/issuer')}`;

  it('answers the issuer for an acct: resource as application/jrd+json', async () => {
    const reply = await webfinger(`resource=${encodeURIComponent('acct:alice@example.com')}&${rel}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/jrd\+json/);
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(reply.json).toEqual({ subject: 'acct:alice@example.com', links: [{ rel: 'http://openid.net/specs/connect/1.0/issuer', href: idp.issuer }] });
  });

  it('answers an https: resource of a served host', async () => {
    const reply = await webfinger(`resource=${encodeURIComponent('https://example.com/joe')}&${rel}`);
    expect(reply.json.links).toEqual([{ rel: 'http://openid.net/specs/connect/1.0/issuer', href: idp.issuer }]);
  });

  it('answers the same for an account that does not exist, so it reveals nothing', async () => {
    const known = await webfinger(`resource=${encodeURIComponent('acct:alice@example.com')}&${rel}`);
    const unknown = await webfinger(`resource=${encodeURIComponent('acct:no-such-person@example.com')}&${rel}`);
    expect(unknown.status).toBe(known.status);
    expect(unknown.json.links).toEqual(known.json.links);
  });

  it('answers 400 for a missing or malformed resource, and 404 for a host it does not serve', async () => {
    expect((await webfinger(rel)).status).toBe(400);
    expect((await webfinger(`resource=acct%3Anobody&${rel}`)).status).toBe(400);
    expect((await webfinger(`resource=${encodeURIComponent('http://example.com/joe')}&${rel}`)).status).toBe(400);
    expect((await webfinger(`resource=${encodeURIComponent('acct:joe@elsewhere.example')}&${rel}`)).status).toBe(404);
  });

  it('filters links by rel', async () => {
    const reply = await webfinger(`resource=${encodeURIComponent('acct:alice@example.com')}&rel=http%3A%2F%2Fwebfinger.net%2Frel%2Favatar`);
    expect(reply.json).toEqual({ subject: 'acct:alice@example.com', links: [] });
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

describe('an address nothing answers', () => {
  it('gets a friendly 404 page in a browser and a JSON error for programs', async () => {
    const page = await fetchLoopback(`${idp.issuer}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Page not found');
    const api = await fetchLoopback(`${idp.issuer}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('an address that answers other methods only', () => {
  it('gets a page in a browser and a JSON error for programs, not plain text, with Allow', async () => {
    const page = await fetchLoopback(`${idp.issuer}/interaction/some-uid/confirm`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(405);
    expect(page.headers.get('allow')).toBe('POST');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('This page cannot be opened this way');
    const api = await fetchLoopback(`${idp.issuer}/account/sign-out-everywhere`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(405);
    expect(await api.json()).toMatchObject({ error: 'method_not_allowed' });
  });
});

describe("the provider's paths and ours, served by two branches of one app", () => {
  it('answers our routes with or without a trailing slash, as the routers match them', async () => {
    expect((await getJson(`${idp.issuer}/healthz/`)).json).toEqual({ status: 'ok' });
    const wrongMethod = await fetchLoopback(`${idp.issuer}/interaction/nope/confirm`, { headers: { accept: 'application/json' } });
    expect(wrongMethod.status).toBe(405);
  });

  it('puts the security headers and our error format on both branches', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks', '/healthz']) {
      const { status, headers } = await getJson(`${idp.issuer}${path}`);
      expect(status).toBe(200);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
    }
    for (const path of ['/jwks', '/JWKS', '/jwks/']) expect((await getJson(`${idp.issuer}${path}`)).headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const unknownUnderProvider = await getJson(`${idp.issuer}/token/nothing-here`, { headers: { accept: 'application/json' } });
    expect(unknownUnderProvider.status).toBe(404);
    expect(unknownUnderProvider.json).toEqual({ error: 'not_found', error_description: 'There is nothing at this address' });
  });
});

describe('discovery and the JWKS kept in memory (src/http/provider-documents.ts)', () => {
  /** Headers and body of a GET, but the Date. */
  async function answered(path: string, headers: Record<string, string> = {}) {
    const response = await fetchLoopback(`${idp.issuer}${path}`, { headers });
    return { status: response.status, headers: [...response.headers].filter(([name]) => name !== 'date'), body: await response.text() };
  }

  it('answers every GET of a document alike, security headers included, whichever came first', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks']) {
      const [first, ...later] = await Promise.all([answered(path), answered(path), answered(path), answered(path)] as const);
      expect(first.status).toBe(200);
      expect(first.headers).toEqual(expect.arrayContaining([['x-content-type-options', 'nosniff'], ['access-control-allow-origin', '*'], ['vary', 'Origin']]));
      for (const answer of [...later, await answered(path)]) expect(answer).toEqual(first);
      const fromAnotherSite = await answered(path, { origin: 'https://rp.example' });
      expect(fromAnotherSite.body).toBe(first.body);
      expect(fromAnotherSite.headers).toContainEqual(['access-control-allow-origin', 'https://rp.example']);
    }
  });

  it('publishes a rotated key at once, though the JWKS before it was kept', async () => {
    const kids = async () => ((await getJson(`${idp.issuer}/jwks`)).json.keys as { kid: string }[]).map((key) => key.kid);
    const before = await kids();
    const added = await rotateKeys(idp.storage.keys, 'signing', { publishDelaySeconds: 3600, keepSeconds: 3600 });
    expect(await idp.live.refresh()).toBe(true);
    expect(await kids()).toEqual(expect.arrayContaining([...before, ...added.map((key) => key.id)]));
  });
});
