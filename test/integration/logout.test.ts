import { gzipSync } from 'node:zlib';
import { generateKeyPair, SignJWT } from 'jose';
import { HttpClient } from '../support/http-client.js';
import { signedInEverywhere, signOutAt } from '../support/journeys.js';
import { logoutClaims, postLogoutToken, signLogoutToken } from '../support/logout-tokens.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { deliveriesSettled } from '../support/deliveries.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});


describe('signing out (RP-initiated logout with back-channel logout)', () => {
  it('signs out at site-b and site-a is signed out on its next request, and the IdP asks for a password again', async () => {
    const browser = await signedInEverywhere(stack);
    const back = await signOutAt(browser, stack.siteB.url);
    expect(back.url).toBe(`${stack.siteB.url}/signed-out`);
    // Sent right after the sign-out page, not before it (logout-delivery/): a few milliseconds here.
    expect((await deliveriesSettled(stack.idp)).filter((d) => d.clientId === stack.siteA.config.clientId).map((d) => d.state)).toEqual(['delivered']);

    const siteA = await browser.follow(await browser.get(`${stack.siteA.url}/`));
    expect(siteA.body).not.toContain('Hello');
    expect(siteA.body).toContain('href="/login"');
    expect(await stack.siteA.app.sessions.size()).toBe(0);
    const login = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    expect(login.body).toContain('name="password"');
  });

  it('signs out at site-a and site-b refuses its still-unexpired signed cookie (deny-list)', async () => {
    const browser = await signedInEverywhere(stack);
    const siteBCookie = (await browser.jar.getCookies(`${stack.siteB.url}/`)).find((c) => c.key === 'site_b_session')!.value;
    await signOutAt(browser, stack.siteA.url);
    await deliveriesSettled(stack.idp);
    // Replay the old, validly signed site-b cookie: the deny-list refuses it.
    const replay = new HttpClient();
    await replay.jar.setCookie(`site_b_session=${siteBCookie}`, `${stack.siteB.url}/`);
    const page = await replay.follow(await replay.get(`${stack.siteB.url}/`));
    expect(page.body).not.toContain('Hello');
    expect(await stack.siteB.app.sessionTokens.verify(siteBCookie)).toBeDefined(); // the signature alone still passes
  });
});

describe('without the demo flag', () => {
  it('keeps the SSRF guard: back-channel logout to a loopback site never arrives', async () => {
    // Sites on 127.0.0.1, so nothing but the guard stands between the IdP and them.
    const guarded = await startStack({ idp: await startIdp({ env: { DEMO: 'false' }, sitesOnIp: true }) });
    const previous = stack;
    stack = guarded;
    try {
      const browser = await signedInEverywhere(stack);
      await signOutAt(browser, stack.siteB.url);
      const settled = await deliveriesSettled(stack.idp);
      expect(await stack.siteA.app.sessions.size()).toBe(1); // site-a never heard of the logout
      // Refused before any request, and not retried: the guard would refuse every time.
      expect(settled.length).toBeGreaterThan(0);
      for (const delivery of settled) expect(delivery).toMatchObject({ state: 'refused', attempts: 1, lastOutcome: expect.stringMatching(/special-use IP address/) });
    } finally {
      stack = previous;
      await guarded.stop();
      await guarded.idp.stop();
    }
  });
});

describe('POST /backchannel-logout (logout token verification)', () => {
  const claims = (extra: Record<string, unknown> = {}) => logoutClaims(stack.idp, stack.siteA.config.clientId, extra);
  const idpSigned = (payload: Record<string, unknown>, header?: Record<string, unknown>) => signLogoutToken(stack.idp, payload, header);
  const post = (token: string) => postLogoutToken(stack.siteA.url, token);

  it('accepts a valid token with 200 and deletes the sessions of that sid', async () => {
    const id = await stack.siteA.app.sessions.create({ sub: 'someone', sid: 'sid-to-end', claims: {} });
    const reply = await post(await idpSigned(claims({ sid: 'sid-to-end' })));
    expect(reply.status).toBe(200);
    expect(reply.cacheControl).toBe('no-store');
    expect(await stack.siteA.app.sessions.get(id)).toBeUndefined();
  });

  it('accepts a token naming only sub and deletes every session of that person', async () => {
    const ids = [await stack.siteA.app.sessions.create({ sub: 'carol', claims: {} }), await stack.siteA.app.sessions.create({ sub: 'carol', sid: 'x', claims: {} })];
    const { sid: _sid, ...withoutSid } = claims({ sub: 'carol' });
    expect((await post(await idpSigned(withoutSid))).status).toBe(200);
    for (const id of ids) expect(await stack.siteA.app.sessions.get(id)).toBeUndefined();
  });

  it('rejects a token signed with another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt' }).sign(privateKey);
    const reply = await post(forged);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'invalid_request' });
  });

  const rejected: [string, () => Record<string, unknown>][] = [
    ['for another audience', () => claims({ aud: 'site-b' })],
    ['from another issuer', () => claims({ iss: 'http://evil.localhost' })],
    ['without the events claim', () => claims({ events: undefined })],
    ['with an events claim lacking the logout event', () => claims({ events: { 'http://example.com/other': {} } })],
    ['with a nonce', () => claims({ nonce: 'n' })],
    ['without sid and sub', () => claims({ sid: undefined })],
    ['that expired', () => claims({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 })],
  ];
  it.each(rejected)('rejects a token %s with 400', async (_what, make) => {
    const payload = Object.fromEntries(Object.entries(make()).filter(([, value]) => value !== undefined));
    expect((await post(await idpSigned(payload))).status).toBe(400);
  });

  it('rejects a token typed as something else (an ID token passed off as a logout token)', async () => {
    expect((await post(await idpSigned(claims(), { typ: 'JWT' }))).status).toBe(400);
  });

  it('answers 400, not a server error, to a malformed token (a typ that is not a string, garbage)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 1 })).toString('base64url');
    expect((await post(`${header}.e30.x`)).status).toBe(400);
    expect((await post('not-a-jwt')).status).toBe(400);
  });

  it('rejects the replay of a token it already accepted', async () => {
    const token = await idpSigned(claims());
    expect((await post(token)).status).toBe(200);
    const replay = await post(token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatch(/already used/);
  });

  it('rejects a request without logout_token', async () => {
    expect((await post('')).status).toBe(400);
  });

  // Server to server, authenticated by the token: an Origin header got the HTML 403 of the sites'
  // CSRF check before (found by test/integration/fuzz.test.ts).
  it('verifies a token that arrives with Origin: null or Sec-Fetch-Site: cross-site like any other', async () => {
    for (const header of [{ origin: 'null' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const postWith = async (token: string) => {
        const response = await fetchLoopback(`${stack.siteA.url}/backchannel-logout`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...header },
          body: new URLSearchParams({ logout_token: token }).toString(),
        });
        return { status: response.status, json: (await response.json().catch(() => undefined)) as unknown };
      };
      expect(await postWith('not-a-jwt')).toEqual({ status: 400, json: expect.objectContaining({ error: 'invalid_request' }) });
      expect((await postWith(await idpSigned(claims()))).status).toBe(200);
    }
  });

  // Each answered 503 from the site's error page before (found by test/integration/fuzz.test.ts).
  it.each([
    ['a body that claims gzip but is not', 'gzip', Buffer.from('logout_token=x')],
    ['a body that inflates past 64 KB', 'gzip', gzipSync(`logout_token=${'a'.repeat(1_000_000)}`)],
    ['an unknown Content-Encoding', 'x-unknown', Buffer.from('logout_token=x')],
  ])('answers %s with 400 and a JSON error', async (_what, encoding, body) => {
    for (const site of [stack.siteA.url, stack.siteB.url]) {
      const reply = await fetchLoopback(`${site}/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding },
        body: new Uint8Array(body),
      });
      expect(reply.status).toBe(400);
      expect(await reply.json()).toEqual({ error: 'invalid_request', error_description: 'the request body could not be read' });
    }
  });
});
