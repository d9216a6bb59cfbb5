import { AppError } from '../../src/errors.js';
import { mintInitialAccessToken } from '../../src/oidc/registration.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { OidcModelStore, Storage } from '../../src/storage/types.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { registerClient } from '../support/registration.js';
import { startStack, startIdp, type Stack } from '../support/stack.js';

/** Which calls fail: all of them, or those a test picks (`InitialAccessToken.consume`, `accounts.findById`). */
type Outage = boolean | ((call: string) => boolean);

/**
 * A store that can be switched off, as a lost MongoDB connection looks to the rest of the IdP:
 * every call (or every call a test picks) fails with storage_unavailable (what the MongoDB
 * store's guard throws).
 */
function switchableStorage(inner: Storage): Storage & { down: Outage } {
  const state: { down: Outage } = { down: false };
  const outage = () => new AppError('storage_unavailable', 'The database cannot be reached');
  const fails = (call: string) => (typeof state.down === 'function' ? state.down(call) : state.down);
  const wrap = <T extends object>(target: T, name: string): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (fails(`${name}.${String(property)}`) ? Promise.reject(outage()) : (value as (...a: unknown[]) => unknown).apply(object, args));
      },
    });
  return Object.assign(state, {
    kind: inner.kind,
    modelStore: (model: string): OidcModelStore => wrap(inner.modelStore(model), model),
    accounts: wrap(inner.accounts, 'accounts'),
    rateLimiter: (options: Parameters<Storage['rateLimiter']>[0]) => wrap(inner.rateLimiter(options), `rateLimiter:${options.keyPrefix}`),
    keys: wrap(inner.keys, 'keys'),
    audit: wrap(inner.audit, 'audit'),
    ping: async () => state.down !== true && inner.ping(),
    close: () => inner.close(),
  });
}

describe('when the store becomes unreachable while running', () => {
  let stack: Stack;
  let storage: Storage & { down: Outage };
  beforeAll(async () => {
    storage = switchableStorage(createMemoryStorage());
    stack = await startStack({ idp: await startIdp({ storage }) });
  });
  afterAll(async () => {
    await stack.stop();
    await stack.idp.stop();
  });
  afterEach(() => {
    storage.down = false;
  });

  const client = () => ({ id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` });
  const params = (challenge: string, extra: Record<string, string> = {}) => ({
    client_id: client().id, redirect_uri: client().redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });

  it('reports not ready on /readyz while /healthz stays up', async () => {
    storage.down = true;
    expect((await fetchLoopback(`${stack.idp.issuer}/readyz`)).status).toBe(503);
    expect((await fetchLoopback(`${stack.idp.issuer}/healthz`)).status).toBe(200);
  });

  it('answers the token endpoint with 503 and OAuth server_error JSON', async () => {
    const { verifier, challenge } = pkce();
    const { callback } = await authorize(new HttpClient(), { issuer: stack.idp.issuer, params: params(challenge), credentials: { email: 'alice@example.com', password: 'wonderland' } });
    storage.down = true;
    const reply = await exchangeCode(stack.idp.issuer, client(), { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client().redirect, code_verifier: verifier });
    expect(reply.status).toBe(503);
    expect(reply.json.error).toBe('server_error');
    expect(JSON.stringify(reply.json)).not.toMatch(/database|memory|stack/i);
  });

  describe('during a registration with a single-use initial access token', () => {
    const app = { redirect_uris: ['http://outage-app.localhost:9/cb'], token_endpoint_auth_method: 'client_secret_basic' };

    it('answers 503 server_error when the store fails while using the token up, not "already used"', async () => {
      const token = await mintInitialAccessToken(stack.idp.provider(), { singleUse: true, expiresInSeconds: 600 });
      storage.down = (call) => call === 'InitialAccessToken.consume';
      const during = await registerClient(stack.idp.issuer, token, app);
      expect(during.status).toBe(503);
      expect(during.json.error).toBe('server_error');
      expect(JSON.stringify(during.json)).not.toMatch(/already used|database/i);

      // The consume never reached the store, so the token still works once it is back.
      storage.down = false;
      expect((await registerClient(stack.idp.issuer, token, app)).status).toBe(201);
    });

    it('still says "already used" for a token that was used', async () => {
      const token = await mintInitialAccessToken(stack.idp.provider(), { singleUse: true, expiresInSeconds: 600 });
      expect((await registerClient(stack.idp.issuer, token, app)).status).toBe(201);
      const again = await registerClient(stack.idp.issuer, token, app);
      expect(again.status).toBe(401);
      expect(again.json).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/invalid token/i) });
    });
  });

  it('shows people a 503 "temporarily unavailable" page, then works again by itself', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.idp.issuer}/auth?${new URLSearchParams(params(pkce().challenge))}`));
    storage.down = true;
    const during = await browser.get(loginPage.url);
    expect(during.status).toBe(503);
    expect(during.body).toContain('Temporarily unavailable');
    const signIn = await browser.post(`${loginPage.url}/login`, { email: 'alice@example.com', password: 'wonderland' });
    expect(signIn.status).toBe(503);

    storage.down = false;
    const { callback } = await authorize(browser, { issuer: stack.idp.issuer, params: params(pkce().challenge), credentials: { email: 'alice@example.com', password: 'wonderland' } });
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await fetchLoopback(`${stack.idp.issuer}/readyz`)).status).toBe(200);
  });
});
