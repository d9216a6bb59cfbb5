/**
 * The login page honours what the authorization request demanded of the sign-in (OpenID Connect
 * Core 3.1.2.1 id_token_hint, 5.5.1 a requested sub, 5.5.1.1 an essential acr; src/interactions/
 * prompt-demands.ts). Found by a conformance review: a hint naming Bob gave a code for Alice, and
 * a requested sub or an unobtainable essential acr sent the person round the login page for ever.
 */
import { decodeJwt } from 'jose';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { authorize, exchangeCode, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const alice = { email: 'alice@example.com', password: 'wonderland' };
const bob = { email: 'bob@example.com', password: 'builder' };
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

const siteA = () => ({ id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` });
const params = (challenge: string, extra: Record<string, string> = {}) => ({
  client_id: siteA().id,
  redirect_uri: siteA().redirect,
  response_type: 'code',
  scope: 'openid',
  state: 's',
  nonce: 'n',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

/** Opens /auth in a fresh browser and posts the right password: where the IdP sends the browser back to the site, or the page it shows instead. */
async function signInOnce(extra: Record<string, string>, who = alice) {
  const browser = new HttpClient();
  const { verifier, challenge } = pkce();
  const login = await browser.follow(await browser.get(`${stack.idp.issuer}/auth?${new URLSearchParams(params(challenge, extra))}`));
  const after = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(login.url)}/login`, who), (url) => url.startsWith(siteA().redirect));
  return { after, verifier, back: after.location ? new URL(after.location) : undefined };
}

async function tokensFor(back: URL | undefined, verifier: string) {
  return (await exchangeCode(stack.idp.issuer, siteA(), { grant_type: 'authorization_code', code: back!.searchParams.get('code')!, redirect_uri: siteA().redirect, code_verifier: verifier })).json;
}

async function idTokenOf(who: typeof alice) {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(new HttpClient(), { issuer: stack.idp.issuer, params: params(challenge), credentials: who });
  return (await tokensFor(callback, verifier)).id_token as string;
}

it('answers login_required when someone else than the id_token_hint names signs in, and a code when it is them', async () => {
  const hint = await idTokenOf(bob);
  const other = await signInOnce({ id_token_hint: hint }, alice);
  expect(other.back?.searchParams.get('error')).toBe('login_required');
  expect(other.back?.searchParams.get('code')).toBeNull();
  const same = await signInOnce({ id_token_hint: hint }, bob);
  expect(decodeJwt((await tokensFor(same.back, same.verifier)).id_token as string).sub).toBe(decodeJwt(hint).sub);
});

it('answers login_required when the account chooser\'s "Continue" is for someone else than the id_token_hint names', async () => {
  const hint = await idTokenOf(bob);
  const browser = new HttpClient();
  await authorize(browser, { issuer: stack.idp.issuer, params: params(pkce().challenge), credentials: alice });
  const chooser = await browser.follow(await browser.get(`${stack.idp.issuer}/auth?${new URLSearchParams(params(pkce().challenge, { prompt: 'select_account', id_token_hint: hint }))}`));
  const after = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(chooser.url)}/continue`, {}), (url) => url.startsWith(siteA().redirect));
  const back = new URL(after.location!);
  expect(back.searchParams.get('error')).toBe('login_required');
  expect(back.searchParams.get('code')).toBeNull();
});

it('answers login_required, once, when the person who signs in is not the sub the claims parameter asks for', async () => {
  const { back, after } = await signInOnce({ claims: JSON.stringify({ id_token: { sub: { value: 'someone-else' } } }) });
  expect(after.body).not.toContain('name="password"');
  expect(back?.searchParams.get('error')).toBe('login_required');
  const aliceSub = decodeJwt(await idTokenOf(alice)).sub!;
  const asked = await signInOnce({ claims: JSON.stringify({ id_token: { sub: { value: aliceSub } } }) });
  expect(asked.back?.searchParams.get('code')).toEqual(expect.any(String));
});

it('answers unmet_authentication_requirements, once, for an essential acr this sign-in can\'t give', async () => {
  for (const values of [['urn:example:unknown'], ['urn:sso:acr:2fa', 'urn:example:unknown']]) {
    const { back, after } = await signInOnce({ claims: JSON.stringify({ id_token: { acr: { essential: true, values } } }) });
    expect([values, after.body.includes('name="password"')]).toEqual([values, false]);
    expect([values, back?.searchParams.get('error')]).toEqual([values, 'unmet_authentication_requirements']);
  }
});

describe('prompt=none naming a person, from an app the signed-in person never consented to', () => {
  const tracker = { id: 'tracker', secret: 'tracker-secret-0123456789abcdefghijklmnopq', redirect: 'http://tracker.localhost:9/cb' };
  beforeAll(() => stack.idp.clients.save({ client_id: tracker.id, client_secret: tracker.secret, client_name: 'Tracker', redirect_uris: [tracker.redirect] }, { firstParty: false }));

  /** Where /auth sends the browser back: its error and description, or its code. */
  async function silently(browser: HttpClient, app: { id: string; redirect: string }, extra: Record<string, string>) {
    const reply = await browser.get(`${stack.idp.issuer}/auth?${new URLSearchParams({ ...params(pkce().challenge, extra), client_id: app.id, redirect_uri: app.redirect, prompt: 'none' })}`);
    const back = new URL(reply.location!);
    return { error: back.searchParams.get('error'), description: back.searchParams.get('error_description'), code: back.searchParams.get('code') };
  }
  const subOf = async (who: typeof alice) => decodeJwt(await idTokenOf(who)).sub!;
  const naming = (sub: string) => ({ claims: JSON.stringify({ id_token: { sub: { value: sub } } }) });

  it('gets the same answer whoever it names: it can\'t tell who is signed in', async () => {
    const [aliceSub, bobSub] = [await subOf(alice), await subOf(bob)];
    const browser = new HttpClient();
    await authorize(browser, { issuer: stack.idp.issuer, params: params(pkce().challenge), credentials: alice });
    const [namingAlice, namingBob] = [await silently(browser, tracker, naming(aliceSub)), await silently(browser, tracker, naming(bobSub))];
    expect(namingAlice).toEqual({ error: 'consent_required', description: expect.any(String), code: null });
    expect(namingBob).toEqual(namingAlice);
  });

  it('gets the same answer whatever max_age or acr_values it sends: it can\'t learn when or how the person signed in', async () => {
    const browser = new HttpClient();
    await authorize(browser, { issuer: stack.idp.issuer, params: params(pkce().challenge), credentials: alice });
    // Sign-in times are whole seconds: max_age 1 is then past, a day is not (max_age 0 is
    // prompt=login to the engine: login_required for every app, whenever the sign-in was).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const answers = [
      await silently(browser, tracker, { max_age: '1' }),
      await silently(browser, tracker, { max_age: '86400' }),
      await silently(browser, tracker, { acr_values: 'urn:sso:acr:2fa' }),
      await silently(browser, tracker, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:sso:acr:2fa'] } } }) }),
    ];
    expect(answers[0]).toEqual({ error: 'consent_required', description: expect.any(String), code: null });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // An app the person consented to is told, as before.
    expect(await silently(browser, siteA(), { max_age: '1' })).toMatchObject({ error: 'login_required', code: null });
    expect(await silently(browser, siteA(), { acr_values: 'urn:sso:acr:2fa' })).toMatchObject({ error: 'interaction_required', code: null });
    expect((await silently(browser, siteA(), { max_age: '86400' })).code).toEqual(expect.any(String));
  });

  it('an app that holds the person\'s consent still gets login_required for someone else, and a code for them', async () => {
    const [aliceSub, bobSub] = [await subOf(alice), await subOf(bob)];
    const browser = new HttpClient();
    await authorize(browser, { issuer: stack.idp.issuer, params: params(pkce().challenge), credentials: alice });
    expect(await silently(browser, siteA(), naming(bobSub))).toMatchObject({ error: 'login_required', code: null });
    expect((await silently(browser, siteA(), naming(aliceSub))).code).toEqual(expect.any(String));
  });
});
