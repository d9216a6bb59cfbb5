/**
 * What the fuzzer knows about the stack it attacks: addresses, the sample sites' credentials, a
 * registered app with its registration access token, real tokens, and fresh login, consent and
 * account-chooser pages with the cookies that go with them. Real values matter: junk next to a
 * valid client, cookie or state gets past the first check and reaches the code behind it.
 *
 * The pages and sessions are made on demand by ordinary, un-fuzzed requests (setup). Anything that
 * a fuzzed request may use up (a registration token that rotates, a session that gets signed out)
 * is renewed when the fuzzer sees it go.
 */
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { hashPassword } from '../../../src/accounts/passwords.js';
import { callJson } from '../registration.js';
import { HttpClient, interactionUid, parseForm } from '../http-client.js';
import { BOB } from '../journeys.js';
import { authorize, exchangeCode, pkce } from '../oidc-flow.js';
import type { Stack } from '../stack.js';
import type { Server } from './fuzz-request.js';

export interface Endpoint {
  server: Server;
  /** http://name.localhost:port */
  origin: string;
  host: string;
  port: number;
}

export interface Client {
  id: string;
  secret: string;
  redirectUri: string;
}

/** A page in the middle of an interaction and the cookies that bind it to its browser. */
export interface PageHandle {
  uid: string;
  cookie: string;
}

export interface Registration {
  clientId: string;
  token: string;
  /** The registration as the IdP returned it: the document a PUT sends back. */
  metadata: Record<string, unknown>;
}

export const MALLORY = { email: 'mallory@example.com', password: 'mallory-password-1' };
export const INITIAL_ACCESS_TOKEN = 'fuzz-_5jjFsZRvUCmkogyqG75G0HBU5her8GT-uuO';
/** Where fuzzed traffic to the IdP comes from (X-Forwarded-For, the IdP trusts its proxy here). */
export const ATTACKERS = ['203.0.113.10', '203.0.113.11', '203.0.113.12', '2001:db8::1', '198.51.100.66'];

/**
 * Setup traffic (fresh login pages, consent pages, a site's sign-in start) comes from ever new
 * addresses of 198.18.0.0/15 (RFC 2544, benchmarking): whatever per-source limit the IdP puts on
 * starting sign-ins, the fuzzer's own preparations never run into it.
 */
function setupAddresses(): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `198.18.${(next >> 8) & 0xff}.${next & 0xff}`;
  };
}

export interface FuzzWorld {
  stack: Stack;
  idp: Endpoint;
  siteA: Endpoint;
  siteB: Endpoint;
  endpoint(server: Server): Endpoint;
  clients: { siteA: Client; siteB: Client; thirdParty: Client };
  apiResource: string;
  /** Real tokens from Bob's sign-ins: an opaque access token (userinfo), a JWT one for site-b's API, an ID token, a refresh token. */
  tokens: { access: string; apiAccess: string; id: string; refresh: string };
  /** A live registered app; registers a new one when the last was deleted. */
  registration(): Promise<Registration>;
  /** A fuzzed request rotated the registration access token (`next`) or deleted the app (undefined). */
  registrationChanged(next?: Registration): void;
  /** A fresh login page, reached the way a browser reaches it (site-a -> /auth -> interaction). */
  loginPage(): Promise<PageHandle>;
  /** A consent page for the third-party app, Bob signed in. */
  consentPage(): Promise<PageHandle>;
  /** An account chooser (prompt=select_account), Bob signed in. */
  chooserPage(): Promise<PageHandle>;
  /** Cookies of Mallory's IdP session (account page, sign-out). */
  mallorySession(): Promise<string>;
  /** Mallory's session was ended by a fuzzed request: sign in again next time. */
  forgetMallory(): void;
  /** The "Sign out?" confirmation form of Mallory's session: its xsrf value and the cookies that go with it. */
  logoutForm(): Promise<{ xsrf: string; cookie: string }>;
  /**
   * A site's login transaction: the state it sent to the IdP and the cookie that holds it;
   * `withAnswer`: Bob's browser also took it to the IdP, and `answer` holds the real code, state
   * and iss the IdP sent back.
   */
  siteTransaction(server: 'site-a' | 'site-b', options?: { withAnswer?: boolean }): Promise<{ state: string; cookie: string; answer?: URLSearchParams }>;
  /** A fresh authorization code for site-a (Bob signed in) and the PKCE verifier that goes with it. */
  authorizationCode(): Promise<{ code: string; verifier: string }>;
  /** A JWT signed with the IdP's own RS256 key: past the signature check, into the claim checks. */
  signAsIdp(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

function endpointOf(server: Server, url: string): Endpoint {
  const parsed = new URL(url);
  return { server, origin: parsed.origin, host: parsed.host, port: Number(parsed.port) };
}

const cookieOf = (browser: HttpClient, url: string) => browser.jar.getCookieString(url);

export async function createWorld(stack: Stack): Promise<FuzzWorld> {
  const issuer = stack.idp.issuer;
  const idp = endpointOf('idp', issuer);
  const siteA = endpointOf('site-a', stack.siteA.url);
  const siteB = endpointOf('site-b', stack.siteB.url);
  const clients = {
    siteA: { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirectUri: `${stack.siteA.url}/callback` },
    siteB: { id: stack.siteB.config.clientId, secret: stack.siteB.config.clientSecret, redirectUri: `${stack.siteB.url}/callback` },
    thirdParty: { id: 'fuzz-third-party', secret: 'fuzz-third-party-secret-0123456789abcdef', redirectUri: 'http://third-party.localhost:9/cb' },
  };
  const apiResource = stack.siteB.config.apiResource;
  await stack.idp.clients.save(
    { client_id: clients.thirdParty.id, client_secret: clients.thirdParty.secret, client_name: 'Third Party', redirect_uris: [clients.thirdParty.redirectUri], grant_types: ['authorization_code', 'refresh_token'] },
    { firstParty: false },
  );
  await stack.idp.storage.accounts.create({ email: MALLORY.email, name: 'Mallory', emailVerified: true, passwordHash: await hashPassword(MALLORY.password) });

  const setupAddress = setupAddresses();
  const browserAt = (jar?: HttpClient['jar']) => new HttpClient(jar, { 'x-forwarded-for': setupAddress() });
  // Bob signs in once; his cookie jar keeps the IdP session the consent and chooser pages need.
  const bob = browserAt();
  const tokensFor = async (client: Client, scope: string, extra: Record<string, string> = {}) => {
    const { verifier, challenge } = pkce();
    const { callback } = await authorize(bob, {
      issuer,
      params: { client_id: client.id, redirect_uri: client.redirectUri, response_type: 'code', scope, nonce: 'fuzz', code_challenge: challenge, code_challenge_method: 'S256', ...extra },
      credentials: BOB,
      consent: 'allow',
    });
    const reply = await exchangeCode(issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirectUri, code_verifier: verifier });
    if (reply.status !== 200) throw new Error(`fuzz setup: token request failed with ${reply.status}`);
    return reply.json as { access_token: string; id_token: string; refresh_token?: string };
  };
  const forSiteA = await tokensFor(clients.siteA, 'openid profile email');
  const forApi = await tokensFor(clients.siteB, 'openid api:read', { resource: apiResource });
  const offline = await tokensFor(clients.thirdParty, 'openid offline_access', { prompt: 'consent' });
  const tokens = { access: forSiteA.access_token, apiAccess: forApi.access_token, id: forSiteA.id_token, refresh: offline.refresh_token ?? '' };

  const pageFrom = async (browser: HttpClient, url: string): Promise<PageHandle> => {
    const page = await browser.follow(await browser.get(url));
    const uid = interactionUid(page.url);
    return { uid, cookie: await cookieOf(browser, `${issuer}/interaction/${uid}/login`) };
  };
  const authUrl = (client: Client, extra: Record<string, string>) =>
    `${issuer}/auth?${new URLSearchParams({ client_id: client.id, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid profile', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra })}`;

  let registered: Promise<Registration> | undefined;
  const register = async (): Promise<Registration> => {
    const reply = await callJson('POST', `${issuer}/reg`, { token: INITIAL_ACCESS_TOKEN, body: { client_name: 'Fuzzed App', redirect_uris: ['http://fuzzed-app.localhost:9/cb'] } });
    if (reply.status === 429) {
      // Registration throttled (the fuzzer registers often): go on with a made-up app, try again later.
      registered = undefined;
      return { clientId: 'not-registered', token: 'not-a-token', metadata: { client_name: 'Fuzzed App', redirect_uris: ['http://fuzzed-app.localhost:9/cb'] } };
    }
    if (reply.status !== 201) throw new Error(`fuzz setup: registration failed with ${reply.status}`);
    const { registration_access_token: token, ...metadata } = reply.json;
    return { clientId: String(reply.json.client_id), token: String(token), metadata };
  };

  let mallory: Promise<string> | undefined;
  // One browser throughout: after her first sign-in it is a known device for her account, so the
  // fuzzer's wrong current passwords (which count against her account) never keep her out.
  const malloryBrowser = browserAt();
  const signInMallory = async () => {
    const browser = malloryBrowser;
    const login = await browser.follow(await browser.get(`${issuer}/account`));
    const page = await browser.follow(await browser.post(`${issuer}/interaction/${interactionUid(login.url)}/login`, MALLORY));
    if (!page.body.includes('mallory@example.com')) throw new Error(`fuzz setup: Mallory could not sign in (${page.status})`);
    return cookieOf(browser, `${issuer}/account/`);
  };

  const mallorySession = () => {
    mallory ??= signInMallory().catch((error: unknown) => {
      mallory = undefined;
      throw error;
    });
    return mallory;
  };

  const stored = (await stack.idp.storage.keys.list('signing')).find((key) => key.alg === 'RS256');
  if (!stored) throw new Error('fuzz setup: the IdP has no RS256 key');
  const idpKey = await importJWK(stored.material as never, 'RS256');

  return {
    stack,
    idp,
    siteA,
    siteB,
    endpoint: (server) => ({ idp, 'site-a': siteA, 'site-b': siteB })[server],
    clients,
    apiResource,
    tokens,
    registration() {
      registered ??= register().catch((error: unknown) => {
        registered = undefined;
        throw error;
      });
      return registered;
    },
    loginPage: () => pageFrom(browserAt(), `${siteA.origin}/login`),
    consentPage: () => pageFrom(browserAt(bob.jar), authUrl(clients.thirdParty, { prompt: 'consent' })),
    chooserPage: () => pageFrom(browserAt(bob.jar), authUrl(clients.siteA, { prompt: 'select_account' })),
    mallorySession,
    forgetMallory() {
      mallory = undefined;
    },
    async logoutForm() {
      const cookie = await mallorySession();
      const page = await malloryBrowser.get(`${issuer}/session/end?client_id=${clients.siteA.id}`, { accept: 'text/html' });
      const { fields } = parseForm(page.body);
      if (!fields.xsrf) throw new Error(`fuzz setup: no sign-out form for Mallory (${page.status})`);
      return { xsrf: fields.xsrf, cookie: `${cookie}; ${await cookieOf(malloryBrowser, `${issuer}/session/end/confirm`)}` };
    },
    async siteTransaction(server, options = {}) {
      const site = server === 'site-a' ? siteA : siteB;
      const browser = options.withAnswer ? browserAt(bob.jar) : browserAt();
      const reply = await browser.get(`${site.origin}/login`);
      const state = reply.location ? new URL(reply.location).searchParams.get('state') : null;
      if (!state) throw new Error(`fuzz setup: ${server}/login did not send a state (${reply.status})`);
      const cookie = await cookieOf(browser, `${site.origin}/callback`);
      if (!options.withAnswer) return { state, cookie };
      const back = await browser.follow(reply, (url) => url.startsWith(`${site.origin}/callback`));
      if (!back.location?.startsWith(`${site.origin}/callback`)) throw new Error(`fuzz setup: the IdP did not answer ${server}'s sign-in (${back.status})`);
      return { state, cookie, answer: new URL(back.location).searchParams };
    },
    async authorizationCode() {
      const { verifier, challenge } = pkce();
      const browser = browserAt(bob.jar);
      const reply = await browser.follow(await browser.get(authUrl(clients.siteA, { code_challenge: challenge, nonce: 'fuzz' })), (url) => url.startsWith(clients.siteA.redirectUri));
      const code = reply.location ? new URL(reply.location).searchParams.get('code') : null;
      if (!code) throw new Error(`fuzz setup: no authorization code for Bob (${reply.status})`);
      return { code, verifier };
    },
    registrationChanged(next) {
      registered = next ? Promise.resolve(next) : undefined;
    },
    signAsIdp: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: stored.id, ...header }).sign(idpKey),
  };
}
