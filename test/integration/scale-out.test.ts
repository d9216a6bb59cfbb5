import { decodeProtectedHeader } from 'jose';
import { rotateKeys } from '../../src/oidc/key-ring.js';
import { backends } from '../support/backends.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

/** Two IdP processes behind one issuer, sharing one store: one SSO session, one key set. */
describe.each(backends())('several IdP instances on one store ($name)', (backend) => {
  let one: RunningIdp;
  let two: RunningIdp;
  let stack: Stack;
  beforeAll(async () => {
    const env = { KEYS_REFRESH_SECONDS: '1', TRUST_PROXY: 'true' };
    one = await startIdp({ storage: await backend.open(), env });
    two = await startIdp({ storage: await backend.open(), issuer: one.issuer, env });
    stack = await startStack({ idp: one });
  });
  afterAll(async () => {
    await stack.stop();
    await Promise.all([one.stop(), two.stop()]);
    await backend.dispose();
  });

  it('recognizes through instance 2 a person who signed in through instance 1', async () => {
    const browser = new HttpClient();
    const client = { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` };
    const params = (challenge: string, extra: Record<string, string> = {}) => ({
      client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    });
    await authorize(browser, { issuer: one.url, params: params(pkce().challenge), credentials: { email: 'alice@example.com', password: 'wonderland' } });

    const { verifier, challenge } = pkce();
    const silent = await authorize(browser, { issuer: two.url, params: params(challenge, { prompt: 'none' }) });
    expect(silent.pagesShown).toEqual([]);
    const tokens = await exchangeCode(two.url, client, { grant_type: 'authorization_code', code: silent.callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
    expect(tokens.status).toBe(200);
  });

  it('publishes a key rotated through instance 1 from instance 2 within the refresh interval', async () => {
    const [rs256] = await rotateKeys(one.storage.keys, 'signing', { publishDelaySeconds: 0, keepSeconds: 600 });
    const newKid = rs256!.id;
    const jwksOf = async (idp: RunningIdp) => ((await (await fetchLoopback(`${idp.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    // KEYS_REFRESH_SECONDS=1: each instance reloads keys every second.
    const published = async () => (await jwksOf(two)).includes(newKid) && (await jwksOf(one)).includes(newKid);
    for (let tries = 0; tries < 50 && !(await published()); tries += 1) await new Promise((r) => setTimeout(r, 100));
    expect(await jwksOf(two)).toContain(newKid);
    expect(await jwksOf(one)).toContain(newKid);
    expect(decodeProtectedHeader(await idTokenFrom(two)).kid).toBe(newKid);
  });

  it('counts sign-in attempts across both instances: alternating between them gains a guesser nothing', async () => {
    const guesser = HttpClient.at('203.0.113.77');
    const page = await guesser.follow(await guesser.get(`${stack.siteA.url}/login`));
    const uid = interactionUid(page.url);
    const statuses = [];
    for (let n = 0; n < 12; n += 1) {
      const instance = n % 2 === 0 ? one : two;
      statuses.push((await guesser.post(`${instance.url}/interaction/${uid}/login`, { email: 'scale-target@example.com', password: `guess-${n}` }, { origin: one.issuer })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(11)).toEqual([429]);
  });

  /** Signs in through instance 1 (the login form posts to the issuer), then gets a code silently from `idp`. */
  async function idTokenFrom(idp: RunningIdp): Promise<string> {
    const client = { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` };
    const params = (challenge: string, extra: Record<string, string> = {}) => ({
      client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    });
    const browser = new HttpClient();
    await authorize(browser, { issuer: one.url, params: params(pkce().challenge), credentials: { email: 'alice@example.com', password: 'wonderland' } });
    const { verifier, challenge } = pkce();
    const { callback } = await authorize(browser, { issuer: idp.url, params: params(challenge, { prompt: 'none' }) });
    const tokens = await exchangeCode(idp.url, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
    return tokens.json.id_token as string;
  }
});
