import { decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const otherApi = 'http://other-api.localhost/api';

beforeAll(async () => {
  stack = await startStack();
  await stack.idp.resourceServers.save({ identifier: otherApi, name: 'Other API', scope: 'api:read' });
});
afterAll(async () => {
  await stack.stop();
});

async function accessTokenFor(resource: string, scope = 'openid api:read'): Promise<string> {
  const client = { id: stack.siteB.config.clientId, secret: stack.siteB.config.clientSecret, redirect: `${stack.siteB.url}/callback` };
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(new HttpClient(), {
    issuer: stack.idp.issuer,
    params: { client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope, resource, code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n' },
    credentials: { email: 'alice@example.com', password: 'wonderland' },
  });
  const token = await exchangeCode(stack.idp.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
  return token.json.access_token as string;
}

function callApi(token?: string) {
  return fetchLoopback(`${stack.siteB.url}/api/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** A token signed with the IdP's real RS256 key, with claims of our choosing. */
async function signWithIdpKey(claims: Record<string, unknown>): Promise<string> {
  const stored = (await stack.idp.storage.keys.list('signing')).find((key) => key.alg === 'RS256')!;
  const key = await importJWK(stored.material as never, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: stored.id }).sign(key);
}

describe('site-b GET /api/me', () => {
  it('accepts a JWT access token the IdP issued for its resource (RFC 9068)', async () => {
    const token = await accessTokenFor(stack.siteB.config.apiResource);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    const response = await callApi(token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const alice = await stack.idp.storage.accounts.findByEmail('alice@example.com');
    expect(body).toMatchObject({ sub: alice!.id, client_id: 'site-b', scope: 'api:read' });
  });

  it('takes the Bearer scheme name in any letter case (RFC 9110)', async () => {
    const token = await accessTokenFor(stack.siteB.config.apiResource);
    const response = await fetchLoopback(`${stack.siteB.url}/api/me`, { headers: { authorization: `bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  it('rejects a token issued for another resource (wrong audience) with 401', async () => {
    const token = await accessTokenFor(otherApi);
    const response = await callApi(token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('rejects an expired token signed with the IdP key with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signWithIdpKey({
      iss: stack.idp.issuer, aud: stack.siteB.config.apiResource, sub: 'someone', client_id: 'site-b', scope: 'api:read', jti: 'j1', iat: now - 7200, exp: now - 3600,
    });
    expect((await callApi(expired)).status).toBe(401);
  });

  it('accepts the same hand-made token while unexpired, so the expiry is what the API refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = await signWithIdpKey({
      iss: stack.idp.issuer, aud: stack.siteB.config.apiResource, sub: 'someone', client_id: 'site-b', scope: 'api:read', jti: 'j2', iat: now, exp: now + 60,
    });
    expect((await callApi(fresh)).status).toBe(200);
  });

  it('rejects a tampered token with 401', async () => {
    const token = await accessTokenFor(stack.siteB.config.apiResource);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'somebody-else' })).toString('base64url');
    expect((await callApi(`${header}.${forged}.${signature}`)).status).toBe(401);
  });

  it('answers 401 with a Bearer challenge and no error code when no token is sent', async () => {
    const response = await callApi();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="site-b"');
  });

  it('answers 403 insufficient_scope to a valid token without api:read', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signWithIdpKey({ iss: stack.idp.issuer, aud: stack.siteB.config.apiResource, sub: 's', client_id: 'site-b', scope: 'other', jti: 'j3', iat: now, exp: now + 60 });
    const response = await callApi(token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});
