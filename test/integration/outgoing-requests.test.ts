import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { fetchLoopback } from '../support/oidc-flow.js';
import { registerClient } from '../support/registration.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

/**
 * The IdP's own outgoing requests (jwks_uri, sector_identifier_uri, back-channel logout) in demo
 * mode: only the configured demo sites are reachable on loopback. An app that registers a
 * loopback jwks_uri in any spelling gets no request out of the IdP, and its token request fails
 * as an OAuth error.
 */
const TOKEN = randomBytes(24).toString('base64url');
let listener: http.Server;
let port: number;
let connections = 0;
let keyPair: Awaited<ReturnType<typeof generateKeyPair>>;
let idp: RunningIdp;

beforeAll(async () => {
  keyPair = await generateKeyPair('ES256');
  const publicJwk = { ...(await exportJWK(keyPair.publicKey)), alg: 'ES256', use: 'sig' };
  listener = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/sector.json' ? ['http://app.localhost:9/cb'] : { keys: [publicJwk] }));
  });
  listener.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  idp = await startIdp({ env: { DEMO: 'true', INITIAL_ACCESS_TOKEN: TOKEN } });
});
afterAll(async () => {
  await idp.stop();
  listener.closeAllConnections();
  await new Promise((resolve) => listener.close(resolve));
});

const REDIRECT = 'http://app.localhost:9/cb';

async function registerKeyClient(target: RunningIdp, jwksUri: string): Promise<string> {
  const reply = await registerClient(target.issuer, TOKEN, { client_name: 'Key app', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
  expect(reply.status).toBe(201);
  return reply.json.client_id as string;
}

/** A token request authenticated with private_key_jwt (RFC 7523 section 2.2): the IdP needs the app's keys. */
async function tokenRequest(target: RunningIdp, clientId: string) {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${target.issuer}/token`)
    .setJti(randomBytes(12).toString('base64url'))
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(keyPair.privateKey);
  const response = await fetchLoopback(`${target.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-real-code',
      redirect_uri: REDIRECT,
      code_verifier: 'v'.repeat(43),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  });
  return { status: response.status, type: response.headers.get('content-type'), json: (await response.json()) as Record<string, unknown> };
}

describe('a registered app\'s jwks_uri on loopback, with DEMO=true', () => {
  it.each([
    ['127.0.0.1', () => `http://127.0.0.1:${port}/jwks`],
    ['127.1', () => `http://127.1:${port}/jwks`],
    ['0x7f.0.0.1', () => `http://0x7f.0.0.1:${port}/jwks`],
    ['a loopback name that is not a demo site', () => `http://evil.localhost:${port}/jwks`],
  ])('at %s: the IdP never connects and the token request fails with invalid_client', async (_what, jwksUri) => {
    const clientId = await registerKeyClient(idp, jwksUri());
    const before = connections;
    const reply = await tokenRequest(idp, clientId);
    expect(reply.status).toBe(401);
    expect(reply.type).toMatch(/^application\/json/);
    expect(reply.json).toMatchObject({ error: 'invalid_client' });
    expect(connections).toBe(before);
  });

  it('at a demo site\'s origin: the IdP fetches the keys (the listener does count connections)', async () => {
    const trusting = await startIdp({ env: { DEMO: 'true', INITIAL_ACCESS_TOKEN: TOKEN, DEMO_SITE_ORIGINS: `http://keys.localhost:${port}` } });
    try {
      const clientId = await registerKeyClient(trusting, `http://keys.localhost:${port}/jwks`);
      const before = connections;
      const reply = await tokenRequest(trusting, clientId);
      // Authenticated with the fetched key, it gets as far as the made-up code.
      expect(reply.json).toMatchObject({ error: 'invalid_grant' });
      expect(connections).toBeGreaterThan(before);
    } finally {
      await trusting.stop();
    }
  });
});

describe('a registered app\'s sector_identifier_uri on loopback, with DEMO=true', () => {
  it('is never fetched (oidc-provider wants https; 127.1 is still this machine): registration fails with invalid_client_metadata', async () => {
    const before = connections;
    const reply = await registerClient(idp.issuer, TOKEN, { client_name: 'Sector app', redirect_uris: [REDIRECT], sector_identifier_uri: `https://127.1:${port}/sector.json` });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'invalid_client_metadata', error_description: 'could not load sector_identifier_uri response' });
    expect(connections).toBe(before);
  });
});
