/**
 * The protocol flows the bench measures, as a browser and a confidential relying party perform
 * them (OpenID Connect Core 3.1, RFC 7636 PKCE, RFC 9207 `iss`, RFC 6749 section 6 refresh, RFC
 * 7662 introspection, RFC 6749 section 4.4 client_credentials). The same code drives both servers:
 * they share the interaction URLs (/interaction/<uid>, .../login, .../confirm), so nothing here
 * knows which one it talks to.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { BENCH_ACCOUNT, BENCH_REDIRECT_URI, BENCH_RESOURCE, type BenchClient } from '../fixture.js';
import { Browser, FlowError, expectStatus, type Answer, type Target } from './browser.js';

export interface RelyingParty {
  target: Target;
  client: BenchClient;
  authorization: string;
  jwks: ReturnType<typeof createLocalJWKSet>;
}

export interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
}

/** The client as it is after discovery: it knows the server's JWKS (fetched once, as clients cache it). */
export async function relyingParty(target: Target, client: BenchClient, secret: string): Promise<RelyingParty> {
  const jwks = JSON.parse(expectStatus(await target.get('/jwks'), 200, 'JWKS').body) as JSONWebKeySet;
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  return { target, client, authorization, jwks: createLocalJWKSet(jwks) };
}

const random = () => randomBytes(16).toString('base64url');

interface Request {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

function authorizationRequest(rp: RelyingParty, extra: Record<string, string>): Request {
  const verifier = randomBytes(32).toString('base64url');
  const [state, nonce] = [random(), random()];
  const params = new URLSearchParams({
    client_id: rp.client.id,
    redirect_uri: BENCH_REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url: `${rp.target.issuer}/auth?${params}`, state, nonce, verifier };
}

/** The code from the redirect back to the client, after checking state and iss. */
function codeFrom(rp: RelyingParty, location: string, request: Request): string {
  const params = new URL(location).searchParams;
  if (params.get('error')) throw new FlowError(`${params.get('error')} at the callback`);
  if (params.get('state') !== request.state) throw new FlowError('state mismatch at the callback');
  if (params.get('iss') !== rp.target.issuer) throw new FlowError('iss mismatch at the callback');
  const code = params.get('code');
  if (!code) throw new FlowError('no code at the callback');
  return code;
}

/**
 * Follows the browser from the authorization request until the IdP sends it back to the client,
 * answering the login page (when `signIn`) and the consent page (when `consent`). Any other page
 * is an error named after where it stopped.
 */
async function authorize(browser: Browser, rp: RelyingParty, request: Request, answers: { signIn?: boolean; consent?: boolean }): Promise<string> {
  let url = request.url;
  let answer: Answer = await browser.get(url);
  for (let step = 0; step < 12; step += 1) {
    if (answer.location?.startsWith(BENCH_REDIRECT_URI)) return codeFrom(rp, answer.location, request);
    if (answer.location && answer.status >= 300 && answer.status < 400) {
      url = answer.location;
      answer = await browser.get(url);
      continue;
    }
    const uid = /\/interaction\/([^/?#]+)/.exec(url)?.[1];
    if (answer.status === 200 && uid && answers.signIn && answer.body.includes('name="password"')) {
      answer = expectStatus(await browser.post(`${rp.target.issuer}/interaction/${uid}/login`, { email: BENCH_ACCOUNT.email, password: BENCH_ACCOUNT.password }), 303, 'the password POST');
    } else if (answer.status === 200 && uid && answers.consent && answer.body.includes('/confirm"')) {
      answer = expectStatus(await browser.post(`${rp.target.issuer}/interaction/${uid}/confirm`, {}), 303, 'the consent POST');
    } else {
      throw new FlowError(`HTTP ${answer.status} at ${uid ? 'an interaction page' : new URL(url).pathname.replace(/\/auth\/.+/, '/auth/<uid>')}`);
    }
  }
  throw new FlowError('too many redirects');
}

async function tokenRequest(rp: RelyingParty, form: Record<string, string>, step: string): Promise<Tokens> {
  const answer = await rp.target.postForm('/token', form, { authorization: rp.authorization });
  return JSON.parse(expectStatus(answer, 200, step).body) as Tokens;
}

/** What the client checks before trusting an ID token (OpenID Connect Core 3.1.3.7). */
export async function verifyIdToken(rp: RelyingParty, idToken: string | undefined, nonce?: string): Promise<void> {
  if (!idToken) throw new FlowError('no ID token');
  const { payload } = await jwtVerify(idToken, rp.jwks, { issuer: rp.target.issuer, audience: rp.client.id, algorithms: [rp.client.idTokenAlg] });
  if (nonce !== undefined && payload.nonce !== nonce) throw new FlowError('nonce mismatch in the ID token');
}

export function exchangeCode(rp: RelyingParty, code: string, verifier: string): Promise<Tokens> {
  return tokenRequest(rp, { grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier }, 'the code exchange');
}

/** A new person (new browser, own address) signs in: PKCE, login page, password, code, token, ID token verified. */
export async function fullSignIn(rp: RelyingParty, browser = new Browser(rp.target), extra: Record<string, string> = {}): Promise<{ browser: Browser; tokens: Tokens }> {
  const request = authorizationRequest(rp, extra);
  const code = await authorize(browser, rp, request, { signIn: true, consent: extra.prompt === 'consent' });
  const tokens = await exchangeCode(rp, code, request.verifier);
  await verifyIdToken(rp, tokens.id_token, request.nonce);
  return { browser, tokens };
}

/** A code for a browser that is signed in already (prompt=none: no page may be shown). */
export async function silentCode(rp: RelyingParty, browser: Browser): Promise<{ code: string; verifier: string; nonce: string }> {
  const request = authorizationRequest(rp, { prompt: 'none' });
  return { code: await authorize(browser, rp, request, {}), verifier: request.verifier, nonce: request.nonce };
}

/** Silent SSO: prompt=none with the IdP session, code, token, ID token verified. */
export async function silentSignIn(rp: RelyingParty, browser: Browser): Promise<void> {
  const { code, verifier, nonce } = await silentCode(rp, browser);
  await verifyIdToken(rp, (await exchangeCode(rp, code, verifier)).id_token, nonce);
}

/** offline_access needs prompt=consent (OpenID Connect Core 11): a new person signs in and allows it. */
export async function refreshTokenOf(rp: RelyingParty): Promise<string> {
  const { tokens } = await fullSignIn(rp, undefined, { scope: 'openid email profile offline_access', prompt: 'consent' });
  if (!tokens.refresh_token) throw new FlowError('no refresh token issued');
  return tokens.refresh_token;
}

/** One refresh with rotation: the new refresh token replaces the old one; the new ID token is verified. */
export async function refresh(rp: RelyingParty, refreshToken: string): Promise<string> {
  const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'the refresh');
  if (!tokens.refresh_token || tokens.refresh_token === refreshToken) throw new FlowError('the refresh token was not rotated');
  await verifyIdToken(rp, tokens.id_token);
  return tokens.refresh_token;
}

export async function introspect(rp: RelyingParty, token: string): Promise<void> {
  const answer = expectStatus(await rp.target.postForm('/token/introspection', { token }, { authorization: rp.authorization }), 200, 'introspection');
  if ((JSON.parse(answer.body) as { active?: boolean }).active !== true) throw new FlowError('introspection said inactive');
}

export async function userinfo(rp: RelyingParty, accessToken: string): Promise<void> {
  expectStatus(await rp.target.get('/me', { authorization: `Bearer ${accessToken}` }), 200, 'userinfo');
}

/**
 * A token of the client's own for the bench's API (RFC 8707 resource, its scope), checked as the
 * API would check it (RFC 9068: at+jwt, issuer, audience, RS256), so both servers are seen to issue
 * the same kind of token. No refresh or ID token may come with it (RFC 6749 section 4.4.3).
 */
export async function clientCredentials(rp: RelyingParty): Promise<void> {
  const tokens: Partial<Tokens> & { scope?: string } = await tokenRequest(rp, { grant_type: 'client_credentials', resource: BENCH_RESOURCE.identifier, scope: BENCH_RESOURCE.scope }, 'client_credentials');
  if (!tokens.access_token || tokens.scope !== BENCH_RESOURCE.scope) throw new FlowError('client_credentials answered no access token with the scope');
  if (tokens.refresh_token !== undefined || tokens.id_token !== undefined) throw new FlowError('client_credentials answered a refresh or ID token');
  await jwtVerify(tokens.access_token, rp.jwks, { issuer: rp.target.issuer, audience: BENCH_RESOURCE.identifier, typ: 'at+jwt', algorithms: ['RS256'] });
}
