import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createCookieSigner, type CookieSigner } from '../../src/http/cookie-signer.js';
import { pruneKeys, rotateKeys, rotationTiming } from '../../src/oidc/key-ring.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

async function jwks(): Promise<JSONWebKeySet> {
  return (await (await fetchLoopback(`${stack.idp.issuer}/jwks`)).json()) as JSONWebKeySet;
}

async function idToken(): Promise<string> {
  const client = { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` };
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(new HttpClient(), {
    issuer: stack.idp.issuer,
    params: { client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' },
    credentials: { email: 'alice@example.com', password: 'wonderland' },
  });
  const tokens = await exchangeCode(stack.idp.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
  return tokens.json.id_token as string;
}

const verify = async (token: string) => jwtVerify(token, createLocalJWKSet(await jwks()), { issuer: stack.idp.issuer });
const seconds = (n: number) => new Date(Date.now() + n * 1000);

describe('signing key rotation', () => {
  it('publishes the new key first, signs with it once active, and drops the old one only after its tokens expired', async () => {
    const oldToken = await idToken();
    const oldKid = decodeProtectedHeader(oldToken).kid!;

    // Publish for 10 s before signing; keep the old key 60 s after that.
    const added = await rotateKeys(stack.idp.storage.keys, 'signing', { publishDelaySeconds: 10, keepSeconds: 60 });
    const newKid = added.find((key) => key.alg === 'RS256')!.id;
    await stack.idp.live.refresh();
    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(published.keys.find((k) => k.kid === newKid)?.key_ops).toEqual(['verify']); // published, not yet signing
    expect(decodeProtectedHeader(await idToken()).kid).toBe(oldKid);

    // Time passes (the refresh is told the time): the new key signs, the old one still verifies.
    await stack.idp.live.refresh(seconds(11));
    const newToken = await idToken();
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    await expect(verify(newToken)).resolves.toBeDefined();
    await expect(verify(oldToken)).resolves.toBeDefined();

    // Still inside the keep period: published. After it: gone from the JWKS and from the store.
    await stack.idp.live.refresh(seconds(65));
    expect((await jwks()).keys.map((k) => k.kid)).toContain(oldKid);
    await stack.idp.live.refresh(seconds(75));
    expect((await jwks()).keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(await pruneKeys(stack.idp.storage.keys, 'signing', seconds(75))).toContain(oldKid);
  });

  it('keeps a replaced key at least as long as the longest-lived token it signed, counted from the last refresh that can still sign with it', () => {
    const { config } = stack.idp;
    const timing = rotationTiming(config, 'signing');
    expect(timing.keepSeconds).toBeGreaterThanOrEqual(Math.max(config.ttl.idTokenSeconds, config.ttl.accessTokenSeconds) + config.keysRefreshSeconds);
    expect(timing.publishDelaySeconds).toBeGreaterThanOrEqual(config.keysRefreshSeconds);
    // A slow refresh interval (10 minutes) is covered as well as the default one.
    const slow = { ...config, keysRefreshSeconds: 600 };
    expect(rotationTiming(slow, 'signing').keepSeconds).toBeGreaterThanOrEqual(Math.max(config.ttl.idTokenSeconds, config.ttl.accessTokenSeconds) + 600);
    expect(rotationTiming(slow, 'cookie').keepSeconds).toBeGreaterThanOrEqual(config.ttl.sessionSeconds + 600);
  });
});

describe('cookie secret rotation', () => {
  const client = () => ({ id: stack.siteA.config.clientId, redirect: `${stack.siteA.url}/callback` });
  const params = (extra: Record<string, string> = {}) => ({
    client_id: client().id, redirect_uri: client().redirect, response_type: 'code', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra,
  });
  const signIn = async (browser: HttpClient) => authorize(browser, { issuer: stack.idp.issuer, params: params(), credentials: { email: 'alice@example.com', password: 'wonderland' } });
  /** What prompt=none answers this browser: a code while its session cookie counts, login_required once it doesn't. */
  const silently = async (browser: HttpClient) => {
    const { callback } = await authorize(browser, { issuer: stack.idp.issuer, params: params({ prompt: 'none' }) });
    return callback.searchParams.get('code') ? 'code' : callback.searchParams.get('error');
  };
  const sessionSignature = async (browser: HttpClient) => (await browser.jar.getCookies(stack.idp.issuer)).find((cookie) => cookie.key === '_session.sig')?.value;

  it('refuses a session cookie whose signature was changed, however little', async () => {
    const browser = new HttpClient();
    await signIn(browser);
    const signature = (await sessionSignature(browser))!;
    expect(signature).toMatch(/^[\w-]{27}$/); // HMAC-SHA1, base64url: as keygrip made them, so older cookies still count
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [flipped, signature.slice(0, -1), `${signature}A`, '']) {
      const attacker = new HttpClient();
      for (const cookie of await browser.jar.getCookies(stack.idp.issuer)) await attacker.jar.setCookie(cookie.clone()!, stack.idp.issuer);
      await attacker.jar.setCookie(`_session.sig=${forged}; Path=/; HttpOnly`, stack.idp.issuer);
      expect(await silently(attacker)).toBe('login_required');
    }
    expect(await silently(browser)).toBe('code');
  });

  it('keeps a signed-in browser signed in across a rotation, re-signs its cookie with the new secret, and drops the old secret after its keep period', async () => {
    const [returning, away] = [new HttpClient(), new HttpClient()];
    await signIn(returning);
    await signIn(away);
    const before = await sessionSignature(returning);
    await rotateKeys(stack.idp.storage.keys, 'cookie', { publishDelaySeconds: 0, keepSeconds: 3600 });
    expect(await stack.idp.live.refresh()).toBe(true);
    // The app and the provider both sign with our signer (not keygrip), with the new secret first:
    // one signer, so what one of them signed the other checks from memory (oidc-provider copies
    // the object it is given, so its methods are what is shared).
    const [appKeys, providerKeys] = [stack.idp.app.keys, stack.idp.provider().keys] as unknown as CookieSigner[];
    expect([providerKeys!.sign, providerKeys!.index]).toEqual([appKeys!.sign, appKeys!.index]);
    expect(providerKeys!.index).toBe(appKeys!.index);
    const newest = createCookieSigner(stack.idp.live.cookieKeys().slice(0, 1)).sign('_session=x');
    for (const keys of [stack.idp.app.keys, stack.idp.provider().keys] as unknown as CookieSigner[]) {
      expect(Array.isArray(keys)).toBe(false);
      expect(keys.sign('_session=x')).toBe(newest);
    }
    // Signed with the old secret, still kept: accepted, and signed again with the new one.
    expect(await silently(returning)).toBe('code');
    expect(await sessionSignature(returning)).not.toBe(before);
    // After the keep period only the new secret counts: the browser that came back meanwhile is
    // still signed in, the one that stayed away carries a signature nothing accepts any more.
    expect(await stack.idp.live.refresh(seconds(3700))).toBe(true);
    expect(await silently(returning)).toBe('code');
    expect(await silently(away)).toBe('login_required');
  });
});
