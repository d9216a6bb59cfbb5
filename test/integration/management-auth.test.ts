/**
 * Who gets into the Management API: only a bearer JWT this IdP issued through client_credentials
 * for the API, to a client that still exists, with a token generation that was not revoked, and
 * with the scope the call needs (still granted). Everything here is what an attacker would try
 * first: no token, junk, forged signatures, other audiences, a person's token, stale tokens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { managementApiIdentifier } from '../../src/management/management-api.js';
import { createAdminClient, callApi, managementToken, requestToken, signedWithIdpKey, type AdminClient } from '../support/management.js';
import { fetchLoopback, pkce } from '../support/oidc-flow.js';
import { HttpClient } from '../support/http-client.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

let idp: RunningIdp;
let stack: Stack;
let admin: AdminClient;
let token: string;
let identifier: string;

beforeAll(async () => {
  idp = await startIdp();
  stack = await startStack({ idp });
  identifier = managementApiIdentifier(idp.issuer);
  admin = await createAdminClient(idp);
  token = await managementToken(idp, admin);
});
afterAll(async () => {
  await stack.stop();
  await idp.stop();
});

/** Claims the IdP never issued under its own valid signature (gen '0': the admin's tokens were never revoked). */
const signedByIdp = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => signedWithIdpKey(idp, admin, { gen: '0', ...claims }, header);

const expectUnauthorized = (reply: { status: number; headers: Headers; json: any }, error = true) => {
  expect(reply.status).toBe(401);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const code = error ? 'invalid_token' : 'token_required';
  expect(reply.json).toMatchObject({ status: 401, code, type: `tag:sso-idp,2026:problem:${code}`, title: 'Unauthorized' });
  const challenge = reply.headers.get('www-authenticate')!;
  expect(challenge).toMatch(new RegExp(`^Bearer realm="${identifier}"`));
  if (error) expect(challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_token", error_description="[^"\\]*"$/);
  else expect(challenge).toBe(`Bearer realm="${identifier}"`);
};

describe('the token the API accepts', () => {
  it('is an RFC 9068 JWT for the API, issued to the client itself, short-lived, with the granted scopes', async () => {
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: idp.issuer, aud: identifier, sub: admin.id, client_id: admin.id, gen: '0' });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(600);
    const reply = await callApi(idp, token, 'GET', '/clients');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('is issued only for scopes granted to the client', async () => {
    const reader = await createAdminClient(idp, ['admin:clients:read'], 'Reader');
    const reply = await requestToken(idp, reader, ['admin:clients:read', 'admin:users:write']);
    expect(reply).toMatchObject({ status: 400, json: { error: 'invalid_scope', scope: 'admin:users:write' } });
  });

  it('is never issued through a person: the API as a resource of a sign-in is invalid_target', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams({
      client_id: stack.siteA.config.clientId,
      response_type: 'code',
      scope: 'openid admin:clients:write',
      redirect_uri: `${stack.siteA.url}/callback`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      resource: identifier,
    });
    const reply = await new HttpClient().get(`${idp.issuer}/auth?${query}`);
    const location = new URL(reply.location!);
    expect(location.origin + location.pathname).toBe(`${stack.siteA.url}/callback`);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });
});

describe('401: no usable token', () => {
  it('answers a request without a token on every path, known or not, with a bare Bearer challenge', async () => {
    for (const [method, path] of [['GET', '/clients'], ['POST', '/clients'], ['GET', '/openapi.json'], ['GET', '/nothing-here'], ['OPTIONS', '/clients'], ['DELETE', '/clients/x'], ['GET', '']]) {
      const reply = await callApi(idp, undefined, method!, path!);
      expectUnauthorized(reply, false);
      expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('answers another scheme as no token, and a malformed bearer header with 400 invalid_request', async () => {
    expectUnauthorized(await callApi(idp, undefined, 'GET', '/clients', undefined, { authorization: `Basic ${Buffer.from(`${admin.id}:${admin.secret}`).toString('base64')}` }), false);
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer not-a-jwt', `Bearer ${token} ${token}`, `Bearer ${'a'.repeat(9000)}.b.c`]) {
      const reply = await callApi(idp, undefined, 'GET', '/clients', undefined, { authorization });
      expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
      expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${identifier}", error="invalid_request"`);
    }
    const inQuery = await fetchLoopback(`${idp.issuer}/api/v1/clients?access_token=${token}`);
    expect(inQuery.status).toBe(401);
  });

  it('refuses a token with a broken or foreign signature, alg none, or HS256 keyed with the public key', async () => {
    const [header, payload, signature] = token.split('.');
    const flipped = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = decodeProtectedHeader(token).kid!;
    const foreign = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const publicJwk = idp.live.signingKeys().keys.find((key) => key.kid === kid)!;
    const hs = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(new TextEncoder().encode(JSON.stringify({ kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e })));
    for (const bad of [flipped, foreign, `${none}AAAA`, hs]) expectUnauthorized(await callApi(idp, bad, 'GET', '/clients'));
    // Without any signature it is not even a JWS: a malformed request.
    expect((await callApi(idp, none, 'GET', '/clients')).status).toBe(400);
  });

  it('refuses tokens the IdP signed but not for this API: another audience, issuer or type, expired, a person as subject', async () => {
    const siteBToken = (await requestTokenFor(stack.siteB.config.apiResource)).json.access_token as string;
    expectUnauthorized(await callApi(idp, siteBToken, 'GET', '/clients'));
    const now = Math.floor(Date.now() / 1000);
    for (const [claims, header] of [
      [{ aud: 'http://elsewhere.localhost/api' }, {}],
      [{ iss: 'http://evil.localhost' }, {}],
      [{}, { typ: 'JWT' }],
      [{ exp: now - 10, iat: now - 700 }, {}],
      // Signed with the IdP's key but not as the IdP issues them: a year long, or from tomorrow.
      [{ exp: now + 365 * 86400 }, {}],
      [{ iat: now + 86400, exp: now + 86400 + 300 }, {}],
      [{ sub: 'some-person-account-id' }, {}],
      [{ client_id: 'no-such-client', sub: 'no-such-client' }, {}],
    ] as [Record<string, unknown>, Record<string, unknown>][]) {
      expectUnauthorized(await callApi(idp, await signedByIdp(claims, header), 'GET', '/clients'));
    }
    // The control: the same forgery kit with nothing changed does get in.
    expect((await callApi(idp, await signedByIdp({}), 'GET', '/clients')).status).toBe(200);
  });

  async function requestTokenFor(resource: string) {
    await idp.apiAccess.setGrant(admin.id, { resource, scopes: ['api:status'] });
    return requestToken(idp, admin, ['api:status'], resource);
  }
});

describe('revocation that really revokes', () => {
  it('ends the tokens of a client whose secret was rotated, at once', async () => {
    const victim = await createAdminClient(idp, ['admin:clients:read'], 'Rotated');
    const old = await managementToken(idp, victim, ['admin:clients:read']);
    expect((await callApi(idp, old, 'GET', '/clients')).status).toBe(200);
    const rotated = await callApi(idp, token, 'POST', `/clients/${victim.id}/secret`);
    expect(rotated.status).toBe(200);
    expectUnauthorized(await callApi(idp, old, 'GET', '/clients'));
    const fresh = await managementToken(idp, { id: victim.id, secret: rotated.json.client_secret }, ['admin:clients:read']);
    expect((await callApi(idp, fresh, 'GET', '/clients')).status).toBe(200);
  });

  it('ends them on revoke-tokens and on delete, and a client created again under the same id does not revive them', async () => {
    const victim = await createAdminClient(idp, ['admin:clients:read'], 'Revoked');
    const first = await managementToken(idp, victim, ['admin:clients:read']);
    expect((await callApi(idp, token, 'POST', `/clients/${victim.id}/revoke-tokens`)).status).toBe(204);
    expectUnauthorized(await callApi(idp, first, 'GET', '/clients'));
    const second = await managementToken(idp, victim, ['admin:clients:read']);
    expect((await callApi(idp, token, 'DELETE', `/clients/${victim.id}`)).status).toBe(204);
    expectUnauthorized(await callApi(idp, second, 'GET', '/clients'));
    const again = await callApi(idp, token, 'POST', '/clients', { client_id: victim.id, client_name: 'Same id', grant_types: ['client_credentials'], api_grants: [{ resource: identifier, scopes: ['admin:clients:read'] }] });
    expect(again.status).toBe(201);
    expectUnauthorized(await callApi(idp, second, 'GET', '/clients'));
  });

  it('takes a scope away on the next call when the grant is withdrawn, though the token still names it', async () => {
    const victim = await createAdminClient(idp, ['admin:clients:read', 'admin:clients:write'], 'Narrowed');
    const held = await managementToken(idp, victim, ['admin:clients:read', 'admin:clients:write']);
    const narrowed = await callApi(idp, token, 'PUT', `/clients/${victim.id}/api-grants`, { api_grants: [{ resource: identifier, scopes: ['admin:clients:read'] }] });
    expect(narrowed.status).toBe(200);
    expect((await callApi(idp, held, 'GET', '/clients')).status).toBe(200);
    expect((await callApi(idp, held, 'POST', `/clients/${victim.id}/revoke-tokens`)).status).toBe(403);
  });
});

describe('a revocation is never undone by a concurrent change', () => {
  it('keeps a new generation when a grant is written at the same moment', async () => {
    const victim = await createAdminClient(idp, ['admin:clients:read'], 'Raced');
    const before = await idp.apiAccess.generation(victim.id);
    await Promise.all([idp.apiAccess.bumpGeneration(victim.id), idp.apiAccess.setGrant(victim.id, { resource: identifier, scopes: ['admin:clients:read'] })]);
    expect(await idp.apiAccess.generation(victim.id)).not.toBe(before);
  });
});

describe('403: the token lacks the scope', () => {
  it('answers insufficient_scope naming the scope (RFC 6750 section 3.1)', async () => {
    const reader = await createAdminClient(idp, ['admin:clients:read'], 'Reader only');
    const readOnly = await managementToken(idp, reader, ['admin:clients:read']);
    const reply = await callApi(idp, readOnly, 'POST', '/clients', { client_name: 'Nope' });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ code: 'insufficient_scope', scope: 'admin:clients:write' });
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${identifier}", error="insufficient_scope", scope="admin:clients:write"`);
  });

  it('never lets a caller hand on Management API scopes it does not hold itself', async () => {
    const writer = await createAdminClient(idp, ['admin:clients:write'], 'Client writer');
    const writeOnly = await managementToken(idp, writer, ['admin:clients:write']);
    const escalate = { client_name: 'Escalated', grant_types: ['client_credentials'], api_grants: [{ resource: identifier, scopes: ['admin:users:write'] }] };
    const created = await callApi(idp, writeOnly, 'POST', '/clients', escalate);
    expect(created).toMatchObject({ status: 403, json: { code: 'insufficient_scope', scope: 'admin:users:write' } });
    expect((await idp.clients.list()).some((client) => client.client_name === 'Escalated')).toBe(false);
    const self = await callApi(idp, writeOnly, 'PUT', `/clients/${writer.id}/api-grants`, { api_grants: [{ resource: identifier, scopes: ['admin:clients:write', 'admin:keys:write'] }] });
    expect(self.status).toBe(403);
    expect(await idp.apiAccess.allowed(writer.id, identifier)).toEqual(['admin:clients:write']);
  });

  it('never lets a caller rotate, revoke, change or delete a client holding admin scopes it lacks', async () => {
    const writer = await createAdminClient(idp, ['admin:clients:write'], 'Weak writer');
    const writeOnly = await managementToken(idp, writer, ['admin:clients:write']);
    const boss = await createAdminClient(idp, ['admin:keys:write', 'admin:users:write', 'admin:clients:write'], 'Boss');
    for (const [method, path, body] of [
      ['POST', `/clients/${boss.id}/secret`],
      ['POST', `/clients/${boss.id}/revoke-tokens`],
      ['PATCH', `/clients/${boss.id}`, { client_name: 'Mine now' }],
      ['PUT', `/clients/${boss.id}/api-grants`, { api_grants: [] }],
      ['DELETE', `/clients/${boss.id}`],
    ] as [string, string, unknown?][]) {
      const reply = await callApi(idp, writeOnly, method, path, body);
      expect(reply).toMatchObject({ status: 403, json: { code: 'insufficient_scope' } });
      expect(reply.json).not.toHaveProperty('client_secret');
    }
    expect((await managementToken(idp, boss, ['admin:keys:write'])).length).toBeGreaterThan(0);
    const refusals = await idp.storage.audit.list({ limit: 50, type: 'admin.refused' });
    expect(refusals.some((event) => event.detail?.by === writer.id && event.detail?.operation === 'rotateClientSecret')).toBe(true);
  });

  it("keeps the IdP's own account console read-only", async () => {
    for (const [method, path, body] of [
      ['PATCH', '/clients/account-console', { redirect_uris: ['https://attacker.example/cb'] }],
      ['DELETE', '/clients/account-console'],
      ['POST', '/clients/account-console/revoke-tokens'],
    ] as [string, string, unknown?][]) {
      expect(await callApi(idp, token, method, path, body)).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    }
    expect((await idp.clients.find('account-console'))?.redirect_uris).toEqual([`${idp.issuer}/account/callback`]);
  });
});
