import { AppError } from '../../src/errors.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { OidcModelStore, Storage } from '../../src/storage/types.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startStack, startIdp, type Stack } from '../support/stack.js';

/**
 * A store that can be switched off, as a lost MongoDB connection looks to the rest of the IdP:
 * every call fails with storage_unavailable (what the MongoDB store's guard throws).
 */
function switchableStorage(inner: Storage): Storage & { down: boolean } {
  const state = { down: false };
  const outage = () => new AppError('storage_unavailable', 'The database cannot be reached');
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (state.down ? Promise.reject(outage()) : (value as (...a: unknown[]) => unknown).apply(object, args));
      },
    });
  return Object.assign(state, {
    kind: inner.kind,
    modelStore: (model: string): OidcModelStore => wrap(inner.modelStore(model)),
    accounts: wrap(inner.accounts),
    rateLimiter: (options: Parameters<Storage['rateLimiter']>[0]) => wrap(inner.rateLimiter(options)),
    keys: wrap(inner.keys),
    audit: wrap(inner.audit),
    ping: async () => !state.down && inner.ping(),
    close: () => inner.close(),
  });
}

describe('when the store becomes unreachable while running', () => {
  let stack: Stack;
  let storage: Storage & { down: boolean };
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
