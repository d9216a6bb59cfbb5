import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { backends } from '../support/backends.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startIdp } from '../support/stack.js';

/**
 * A restart is a new IdP process on the same store. The in-memory store can't outlive a process,
 * so here the "restart" is a second IdP built on the same store object, on the same port; with
 * MONGODB_URI the same holds across real processes (see the storage contract).
 */
describe.each(backends())('restarting the IdP on the same store ($name)', (backend) => {
  afterAll(() => backend.dispose());

  it('keeps the session, refresh tokens, registered clients and verifiable ID tokens', async () => {
    const storage = await backend.open();
    const client = { id: 'restart-app', secret: 'restart-app-secret-0123456789abcdefgh', redirect: 'http://restart.localhost:9/cb' };
    const before = await startIdp({ storage });
    await before.clients.save(
      { client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirect], grant_types: ['authorization_code', 'refresh_token'] },
      { firstParty: true },
    );
    await storage.accounts.create({ email: `carol-${backend.name}@example.com`, name: 'Carol', emailVerified: true, passwordHash: await (await import('../../src/accounts/passwords.js')).hashPassword('carol-password') });
    const browser = new HttpClient();
    const params = (challenge: string, extra: Record<string, string> = {}) => ({
      client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n', ...extra,
    });
    const first = pkce();
    const { callback } = await authorize(browser, { issuer: before.issuer, params: params(first.challenge, { prompt: 'consent' }), credentials: { email: `carol-${backend.name}@example.com`, password: 'carol-password' }, consent: 'allow' });
    const tokens = await exchangeCode(before.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: first.verifier });
    expect(tokens.json.refresh_token).toEqual(expect.any(String));
    await before.stop();

    const after = await startIdp({ storage: await backend.open(), port: before.port });
    try {
      expect(after.issuer).toBe(before.issuer);
      // The browser's IdP session still signs it in silently, through the still-registered client.
      const second = pkce();
      const silent = await authorize(new HttpClient(browser.jar), { issuer: after.issuer, params: params(second.challenge, { prompt: 'none' }) });
      expect(silent.pagesShown).toEqual([]);
      expect(silent.callback.searchParams.get('code')).toBeTruthy();
      // The refresh token issued before the restart still works.
      const refreshed = await exchangeCode(after.issuer, client, { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token as string });
      expect(refreshed.status).toBe(200);
      // The ID token signed before the restart verifies against the JWKS served after it.
      const jwks = createRemoteJWKSet(new URL(`${after.issuer}/jwks`), { [customFetch]: fetchLoopback as never });
      await expect(jwtVerify(tokens.json.id_token as string, jwks, { issuer: after.issuer, audience: client.id })).resolves.toBeDefined();
    } finally {
      await after.stop();
    }
  });
});
