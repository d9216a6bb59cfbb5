/**
 * A sample site's back-channel logout endpoint when something on its side fails, found by an
 * attacking review of the sites: a logout must not be lost because the site could not check it
 * at that moment. Keys it can't fetch answer 503 (the IdP tries again), not 400 (refused for
 * good), and so does a key it can't find in keys fetched too recently to fetch again, while a key
 * not in keys fetched for the check is refused (400); a logout its store could not carry out gives
 * the token's jti back, so the same token sent again counts; and the site waits for a silent IdP
 * seconds, not half a minute.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createSiteA } from '../../clients/site-a/app.js';
import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { createMemorySiteAState } from '../../clients/site-a/state.js';
import { IDP_TIMEOUT_SECONDS } from '../../clients/shared/relying-party.js';
import { AppError } from '../../src/errors.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { deliveriesSettled } from '../support/deliveries.js';
import { signedInEverywhere, signOutAt } from '../support/journeys.js';
import { logoutClaims, postLogoutToken, signLogoutToken } from '../support/logout-tokens.js';
import * as restartSite from '../support/restart-site.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

/** site-a as a fresh process (no JWKS cached yet) on the stack's port, with these parts. */
const restartSiteA = (parts: Parameters<typeof restartSite.a>[1]) => void restartSite.a(stack, parts);

it('a logout that arrives while the IdP\'s JWKS answers 503 is answered 503, retried, and carried out', async () => {
  const loopback = createLoopbackFetch();
  let jwksDown = false;
  const fetch = (input: string | URL, init?: RequestInit) =>
    jwksDown && new URL(String(input)).pathname.endsWith('/jwks') ? Promise.resolve(new Response('busy', { status: 503 })) : loopback(input, init);
  restartSiteA({ fetch });
  const browser = await signedInEverywhere(stack);
  jwksDown = true;
  await signOutAt(browser, stack.siteB.url);
  // The first attempt meets the outage; then the keys come back and the retry (1 s on) lands.
  await new Promise((resolve) => setTimeout(resolve, 300));
  jwksDown = false;
  const deliveries = await deliveriesSettled(stack.idp, 15_000);
  expect(deliveries.filter((delivery) => delivery.clientId === stack.siteA.config.clientId)).toEqual([expect.objectContaining({ state: 'delivered' })]);
  expect(deliveries.find((delivery) => delivery.clientId === stack.siteA.config.clientId)!.attempts).toBeGreaterThan(1);
  expect((await browser.follow(await browser.get(`${stack.siteA.url}/`))).body).not.toContain('Hello');
}, 30_000);

it('answers 503 in JSON when the keys can\'t be fetched at all, and 400 still for a token that is wrong', async () => {
  const loopback = createLoopbackFetch();
  restartSiteA({ fetch: (input: string | URL, init?: RequestInit) => (new URL(String(input)).pathname.endsWith('/jwks') ? Promise.reject(new TypeError('fetch failed')) : loopback(input, init)) });
  const token = await signLogoutToken(stack.idp, logoutClaims(stack.idp, stack.siteA.config.clientId, { sid: 'sid-x' }));
  const unavailable = await postLogoutToken(stack.siteA.url, token);
  expect(unavailable.status).toBe(503);
  expect(JSON.parse(unavailable.body)).toMatchObject({ error: 'temporarily_unavailable' });
  restartSiteA({ fetch: loopback });
  const wrong = await postLogoutToken(stack.siteA.url, `${token.slice(0, -4)}AAAA`);
  expect(wrong.status).toBe(400);
});

it('refuses a token naming a key the IdP does not have once it has fetched the keys for it (400), and answers 503 only while they are too recent to fetch again', async () => {
  const loopback = createLoopbackFetch();
  let jwksFetches = 0;
  restartSiteA({
    fetch: (input: string | URL, init?: RequestInit) => {
      if (new URL(String(input)).pathname.endsWith('/jwks')) jwksFetches += 1;
      return loopback(input, init);
    },
  });
  const forged = () => signLogoutToken(stack.idp, logoutClaims(stack.idp, stack.siteA.config.clientId), { kid: 'no-such-key' });
  // No keys cached: this check fetches them, and the token's key is not among them.
  const refused = await postLogoutToken(stack.siteA.url, await forged());
  expect([refused.status, JSON.parse(refused.body).error, jwksFetches]).toEqual([400, 'invalid_request', 1]);
  // Fetched a moment ago (jose waits 30 s before fetching again): the key may be one the IdP just
  // rotated to, so the IdP is asked to send it again later.
  const unsure = await postLogoutToken(stack.siteA.url, await forged());
  expect([unsure.status, JSON.parse(unsure.body).error, jwksFetches]).toEqual([503, 'temporarily_unavailable', 1]);
  // A token with the IdP's key passes all the while.
  const genuine = await postLogoutToken(stack.siteA.url, await signLogoutToken(stack.idp, logoutClaims(stack.idp, stack.siteA.config.clientId)));
  expect(genuine.status).toBe(200);
});

it('takes a logout token again after its logout could not be carried out (the store was down)', async () => {
  const state = createMemorySiteAState(stack.siteA.config);
  let storeDown = true;
  const destroyWhere = state.sessions.destroyWhere.bind(state.sessions);
  state.sessions.destroyWhere = async (match) => {
    if (storeDown) throw new AppError('storage_unavailable', 'The database cannot be reached');
    return destroyWhere(match);
  };
  restartSiteA({ fetch: createLoopbackFetch(), state });
  const id = await state.sessions.create({ sub: 'someone', sid: 'sid-1', claims: {} });
  const token = await signLogoutToken(stack.idp, logoutClaims(stack.idp, stack.siteA.config.clientId, { sid: 'sid-1' }));
  expect((await postLogoutToken(stack.siteA.url, token)).status).toBe(503);
  storeDown = false;
  expect((await postLogoutToken(stack.siteA.url, token)).status).toBe(200);
  expect(await state.sessions.get(id)).toBeUndefined();
  // And once carried out, it is a replay like any other.
  expect((await postLogoutToken(stack.siteA.url, token)).status).toBe(400);
});

it('waits for an IdP that never answers IDP_TIMEOUT_SECONDS, then says the sign-in service is unavailable', async () => {
  const held: http.ServerResponse[] = [];
  const silent = http.createServer((_request, response) => void held.push(response));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const config = loadSiteAConfig({ SITE_A_URL: 'http://site-a.localhost:1', ISSUER: `http://idp.localhost:${(silent.address() as AddressInfo).port}`, SITE_A_CLIENT_SECRET: randomBytes(24).toString('base64url') });
  const site = http.createServer(createSiteA(config, { fetch: createLoopbackFetch() }).app.callback());
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const reply = await fetch(`http://127.0.0.1:${(site.address() as AddressInfo).port}/login`, { redirect: 'manual', headers: { host: 'site-a.localhost:1' } });
    await reply.text();
    expect(reply.status).toBe(503);
    // Its own timeout, not openid-client's default of 30 s.
    expect(Date.now() - started).toBeLessThan((IDP_TIMEOUT_SECONDS + 10) * 1000);
  } finally {
    for (const response of held) response.destroy();
    site.closeAllConnections();
    silent.closeAllConnections();
    await Promise.all([new Promise((resolve) => site.close(resolve)), new Promise((resolve) => silent.close(resolve))]);
  }
}, 40_000);
