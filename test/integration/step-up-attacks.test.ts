/**
 * A security review of step-up (commits de44c46, d7e3230, 41232e1, 8c13d64): a site asking for two
 * factors over a password-only IdP session gets the session's account asked for its second factor
 * alone (interactions/router.ts stepUpPath). Attacks over HTTP: first what the review found
 * working (it failed before its fix), then the attacks it found refused, kept so they stay so.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { ACR_TWO_FACTORS } from '../../src/mfa/authentication-context.js';
import { CODE_FAILURES_FREE_PER_ACCOUNT } from '../../src/mfa/code-limits.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { HttpClient, interactionUid, parseForm, type Reply } from '../support/http-client.js';
import { exchangeCode, pkce } from '../support/oidc-flow.js';
import { signInSteps, type Person } from '../support/sign-in-steps.js';
import { createSoftwareAuthenticator, passkeyOptionsIn, type SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';
import { enrolTotp, totpCodes } from '../support/totp-codes.js';
import { gatedStorage } from '../support/gated-storage.js';


let stack: Stack;
const gated = gatedStorage(createMemoryStorage());
const app = { id: 'step-up-attack-app', secret: 'step-up-attack-app-secret-0123456789abcdef', redirect: 'http://step-up-attack-app.localhost:9/cb' };
const { issuer, isCallback, newPerson, accountPage, registerApp } = signInSteps(() => stack, app);

beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ storage: gated.storage }) });
  await registerApp();
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

const { codeAt } = totpCodes;
const enrol = (person: Person, browser: HttpClient) => enrolTotp(issuer(), person, browser);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A person with the authenticator app on, and a browser whose IdP session was signed in with the password alone. */
async function passwordSessionWithTotp(): Promise<{ person: Person; browser: HttpClient; secret: string }> {
  const person = await newPerson();
  const browser = await accountPage(person);
  const secret = await enrol(person, browser);
  return { person, browser, secret };
}

const authorizeUrl = (challenge: string, extra: Record<string, string> = {}) =>
  `${issuer()}/auth?${new URLSearchParams({ client_id: app.id, redirect_uri: app.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: randomUUID(), acr_values: ACR_TWO_FACTORS, ...extra })}`;

/** An authorization request asking for two factors (plus `extra`), followed to the callback or a page. */
async function authorize(browser: HttpClient, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const reply = await browser.follow(await browser.get(authorizeUrl(challenge, extra)), isCallback);
  return { reply, verifier, uid: reply.url.includes('/interaction/') ? interactionUid(reply.url) : '' };
}

const callbackOf = (reply: Reply) => (reply.location && isCallback(reply.location) ? new URL(reply.location) : undefined);

/** The ID token at the end of `reply` (followed to the callback); undefined when the site gets no code. */
async function idTokenOrNothing(reply: Reply, browser: HttpClient, verifier: string) {
  const end = await browser.follow(reply, isCallback);
  const code = callbackOf(end)?.searchParams.get('code');
  if (!code) return undefined;
  const tokens = await exchangeCode(issuer(), app, { grant_type: 'authorization_code', code, redirect_uri: app.redirect, code_verifier: verifier });
  if (tokens.status !== 200) return undefined;
  return decodeJwt(String(tokens.json.id_token));
}

const sessionLoginTs = async (accountId: string) => (await stack.idp.storage.modelStore('Session').findByAccountId(accountId)).map(({ payload }) => payload.loginTs as number)[0]!;

const origin = () => new URL(issuer()).origin;
const authenticator = () => createSoftwareAuthenticator({ origin: origin() });
const postPasskey = (browser: HttpClient, uid: string, credential: unknown) => browser.post(`${issuer()}/interaction/${uid}/passkey`, { credential: JSON.stringify(credential) });

async function addPasskey(person: Person, browser: HttpClient, key: SoftwareAuthenticator): Promise<void> {
  const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'Laptop', current_password: person.password });
  const done = await browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(passkeyOptionsIn(setup.body))) });
  expect(done.body).toContain('is added');
}

/** RP-initiated logout of this browser's IdP session (the end_session endpoint, "yes"). */
async function signOut(browser: HttpClient): Promise<void> {
  const confirmation = await browser.follow(await browser.get(`${issuer()}/session/end`));
  const { action, fields } = parseForm(confirmation.body);
  await browser.follow(await browser.post(new URL(action, confirmation.url).href, { ...fields, logout: 'yes' }));
}

describe('found by an attacking review, and fixed', () => {
  it('checks max_age when the second factor is given, not only when the step-up page was made: past it, a full sign-in', async () => {
    const { person, browser, secret } = await passwordSessionWithTotp();
    // The site wants a sign-in at most 3 seconds old: the session is younger, so step-up applies.
    const stepUp = await authorize(browser, { max_age: '3' });
    expect(stepUp.reply.url).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    await sleep(4500);
    // Later, the session's password is older than max_age: the code is not taken, the login page is shown.
    const late = await browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) });
    expect(late.location).toBe(`${issuer()}/interaction/${stepUp.uid}/login`);
    const again = await browser.get(`${issuer()}/interaction/${stepUp.uid}`);
    expect([again.status, again.body.includes('name="password"')]).toEqual([200, true]);
    // A full sign-in (password, then the code) now gives a fresh auth_time.
    const password = await browser.post(`${issuer()}/interaction/${stepUp.uid}/login`, { email: person.email, password: person.password });
    expect(password.location).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    const claims = await idTokenOrNothing(await browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) }), browser, stepUp.verifier);
    expect(claims).toBeDefined();
    expect(Math.floor(Date.now() / 1000) - (claims!.auth_time as number)).toBeLessThanOrEqual(3);
  });
});

describe('attacks the review found refused', () => {
  it('refuses: prompt=none asking for two factors (acr_values or an essential acr claim) over a password-only session: interaction_required, never a code or a factor page', async () => {
    const { browser } = await passwordSessionWithTotp();
    for (const extra of [{ prompt: 'none' }, { prompt: 'none', acr_values: '', claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_TWO_FACTORS } } }) }] as Record<string, string>[]) {
      const { reply } = await authorize(browser, extra);
      const callback = callbackOf(reply);
      expect(callback?.searchParams.get('code')).toBeNull();
      expect(['interaction_required', 'login_required']).toContain(callback?.searchParams.get('error'));
    }
  });

  it('refuses: step-up is never for another account: prompt=login, an id_token_hint or a claims sub of another account mean the full sign-in, with no pending second factor', async () => {
    const { browser } = await passwordSessionWithTotp();
    // Another person's ID token from this IdP, for this app.
    const other = await passwordSessionWithTotp();
    const otherToken = await (async () => {
      const { verifier, challenge } = pkce();
      const reply = await other.browser.follow(await other.browser.get(authorizeUrl(challenge, { acr_values: '' })), isCallback);
      const code = callbackOf(reply)!.searchParams.get('code')!;
      const tokens = await exchangeCode(issuer(), app, { grant_type: 'authorization_code', code, redirect_uri: app.redirect, code_verifier: verifier });
      return String(tokens.json.id_token);
    })();
    expect(decodeJwt(otherToken).sub).toBe(other.person.id);
    for (const extra of [{ prompt: 'login' }, { id_token_hint: otherToken }, { claims: JSON.stringify({ id_token: { sub: { value: other.person.id } } }) }] as Record<string, string>[]) {
      const { reply, uid } = await authorize(browser, extra);
      expect([Object.keys(extra)[0], reply.url, reply.body.includes('name="password"')]).toEqual([Object.keys(extra)[0], `${issuer()}/interaction/${uid}`, true]);
      const code = await browser.get(`${issuer()}/interaction/${uid}/code`);
      expect(code.status).not.toBe(200);
      expect(code.body).not.toContain('name="code"');
    }
  });

  it('refuses: login_hint naming another account does not step up that account: the factor asked for is the session account\'s, and the other\'s code does not count', async () => {
    const a = await passwordSessionWithTotp();
    const b = await passwordSessionWithTotp();
    const stepUp = await authorize(a.browser, { login_hint: b.person.email });
    expect(stepUp.reply.url).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    const wrong = await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(b.secret, 1) });
    expect(wrong.status).toBe(400);
    const claims = await idTokenOrNothing(await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(a.secret, 1) }), a.browser, stepUp.verifier);
    expect(claims).toMatchObject({ sub: a.person.id, acr: ACR_TWO_FACTORS });
  });

  it('refuses: "Sign in as someone else" from the step-up page: another password replaces the pending sign-in (its own factor asked), one without a factor drops it', async () => {
    const a = await passwordSessionWithTotp();
    const b = await passwordSessionWithTotp();
    const stepUp = await authorize(a.browser);
    const login = await a.browser.get(`${issuer()}/interaction/${stepUp.uid}/login`);
    expect(login.body).toContain('name="password"');
    // A wrong password for B leaves A's step-up as it was: still A's factor.
    await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/login`, { email: b.person.email, password: 'wrong-password-123' });
    expect((await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(b.secret, 1) })).status).toBe(400);
    // B's password: now B's factor, and A's code does not count.
    const toB = await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/login`, { email: b.person.email, password: b.person.password });
    expect(toB.location).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    expect((await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(a.secret, 1) })).status).toBe(400);
    const claims = await idTokenOrNothing(await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(b.secret, 1) }), a.browser, stepUp.verifier);
    expect(claims).toMatchObject({ sub: b.person.id, acr: ACR_TWO_FACTORS, amr: ['pwd', 'otp', 'mfa'] });

    // A person without a factor: the site is told, and A's pending step-up is gone.
    const c = await passwordSessionWithTotp();
    const none = await newPerson();
    const second = await authorize(c.browser);
    const end = await c.browser.follow(await c.browser.post(`${issuer()}/interaction/${second.uid}/login`, { email: none.email, password: none.password }), isCallback);
    expect(callbackOf(end)?.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(callbackOf(end)?.searchParams.get('code')).toBeNull();
    expect((await c.browser.post(`${issuer()}/interaction/${second.uid}/code`, { code: codeAt(c.secret, 1) })).body).not.toContain('code=');
  });

  it('refuses: the pending step-up is not reused after its interaction completed, nor by another interaction of the same browser', async () => {
    const { browser, secret, person } = await passwordSessionWithTotp();
    const stepUp = await authorize(browser);
    const other = await authorize(new HttpClient(browser.jar), { acr_values: '', prompt: 'login' });
    const claims = await idTokenOrNothing(await browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) }), browser, stepUp.verifier);
    expect(claims).toMatchObject({ sub: person.id, acr: ACR_TWO_FACTORS });
    const replay = await browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) });
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.location).toBeUndefined();
    // The other page of the same browser (a login prompt of its own) never had a pending sign-in.
    expect((await browser.post(`${issuer()}/interaction/${other.uid}/code`, { code: codeAt(secret, 1) })).status).toBeGreaterThanOrEqual(400);
  });

  it('refuses: a step-up left open is not finished after this browser signed out (RP-initiated logout)', async () => {
    const { browser, secret } = await passwordSessionWithTotp();
    const stepUp = await authorize(browser);
    expect(stepUp.reply.url).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    await signOut(browser);
    const after = await browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) });
    expect(await idTokenOrNothing(after, browser, stepUp.verifier)).toBeUndefined();
  });

  it('refuses: a step-up left open is not finished after the browser\'s session was replaced by another account\'s sign-in', async () => {
    const a = await passwordSessionWithTotp();
    const b = await newPerson();
    const stepUp = await authorize(a.browser);
    // Another tab of the same browser signs in as B (prompt=login, password only: B has no factor).
    const tab = new HttpClient(a.browser.jar);
    const bLogin = await authorize(tab, { acr_values: '', prompt: 'login' });
    const bClaims = await idTokenOrNothing(await tab.post(`${issuer()}/interaction/${bLogin.uid}/login`, { email: b.email, password: b.password }), tab, bLogin.verifier);
    expect(bClaims?.sub).toBe(b.id);
    const after = await a.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(a.secret, 1) });
    expect(await idTokenOrNothing(after, a.browser, stepUp.verifier)).toBeUndefined();
  });

  it('refuses: no step-up for a session whose access ended (sign out everywhere, as a password or factor reset does first) or a disabled account; and ending access after the page was made refuses the code', async () => {
    // Ended before the step-up page.
    const ended = await passwordSessionWithTotp();
    await stack.idp.access.endAll(ended.person.id);
    expect((await authorize(ended.browser)).reply.body).toContain('name="password"');
    const disabled = await passwordSessionWithTotp();
    await stack.idp.storage.accounts.update(disabled.person.id, { disabled: true });
    expect((await authorize(disabled.browser)).reply.body).toContain('name="password"');

    // Ended after the step-up page, before the code.
    const late = await passwordSessionWithTotp();
    const stepUp = await authorize(late.browser);
    expect(stepUp.reply.url).toBe(`${issuer()}/interaction/${stepUp.uid}/code`);
    await stack.idp.access.endAll(late.person.id);
    expect(await idTokenOrNothing(await late.browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(late.secret, 1) }), late.browser, stepUp.verifier)).toBeUndefined();

    // Ended after the code was taken, before the browser came back to the authorization endpoint.
    const racing = await passwordSessionWithTotp();
    const third = await authorize(racing.browser);
    const done = await racing.browser.post(`${issuer()}/interaction/${third.uid}/code`, { code: codeAt(racing.secret, 1) });
    expect(done.location).toContain('/auth/');
    await stack.idp.access.endAll(racing.person.id);
    expect(await idTokenOrNothing(done, racing.browser, third.verifier)).toBeUndefined();
  });

  it('refuses: sign-out-everywhere landing while a step-up saves its result (held store write) takes the sign-in back', async () => {
    const { person, browser, secret } = await passwordSessionWithTotp();
    const stepUp = await authorize(browser);
    const held = gated.hold('Interaction', 'upsert');
    const posting = browser.post(`${issuer()}/interaction/${stepUp.uid}/code`, { code: codeAt(secret, 1) });
    const release = await held;
    await stack.idp.access.endAll(person.id);
    release();
    const reply = await posting;
    expect(await idTokenOrNothing(reply, browser, stepUp.verifier)).toBeUndefined();
  });

  it('refuses: fresh step-up pages do not buy fresh code guesses: the per-account limit holds across interactions', async () => {
    const { browser, secret } = await passwordSessionWithTotp();
    const wrong = String((Number(codeAt(secret, 1)) + 500_000) % 1_000_000).padStart(6, '0');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < CODE_FAILURES_FREE_PER_ACCOUNT + 3; attempt += 1) {
      const { uid } = await authorize(browser);
      statuses.push((await browser.post(`${issuer()}/interaction/${uid}/code`, { code: wrong })).status);
    }
    expect(statuses.slice(0, CODE_FAILURES_FREE_PER_ACCOUNT)).toEqual(Array(CODE_FAILURES_FREE_PER_ACCOUNT).fill(400));
    expect(statuses.slice(CODE_FAILURES_FREE_PER_ACCOUNT)).toContain(429);
  });

  it('refuses: one code finishes one step-up: the same code in two step-up pages at once signs in once', async () => {
    const { browser, secret } = await passwordSessionWithTotp();
    const one = await authorize(browser);
    const two = await authorize(new HttpClient(browser.jar));
    const code = codeAt(secret, 1);
    const replies = await Promise.all([browser.post(`${issuer()}/interaction/${one.uid}/code`, { code }), browser.post(`${issuer()}/interaction/${two.uid}/code`, { code })]);
    expect(replies.map((r) => r.status).sort()).toEqual([303, 400]);
  });

  it('refuses: a passkey-alone session needs no step-up (amr without pwd); a passkey step-up gives amr pwd + hwk and keeps the password\'s auth_time', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const key = authenticator();
    await addPasskey(person, browser, key);
    const signedInAt = await sessionLoginTs(person.id);
    const fresh = new HttpClient();
    const login = await fresh.follow(await fresh.get(`${issuer()}/account`));
    const page = await fresh.follow(await postPasskey(fresh, interactionUid(login.url), key.assert(passkeyOptionsIn(login.body))));
    expect(page.url).toBe(`${issuer()}/account`);
    const silent = await authorize(fresh, { prompt: 'none' });
    const claims = await idTokenOrNothing(silent.reply, fresh, silent.verifier);
    expect(claims).toMatchObject({ sub: person.id, acr: ACR_TWO_FACTORS });
    expect(claims?.amr).not.toContain('pwd');

    // Step-up with the passkey: amr pwd + the passkey, auth_time the password's.
    const stepUp = await authorize(browser);
    expect(stepUp.reply.url).toBe(`${issuer()}/interaction/${stepUp.uid}/passkey`);
    const stepped = await idTokenOrNothing(await postPasskey(browser, stepUp.uid, key.assert(passkeyOptionsIn(stepUp.reply.body))), browser, stepUp.verifier);
    expect(stepped).toMatchObject({ sub: person.id, acr: ACR_TWO_FACTORS, amr: ['pwd', 'hwk', 'mfa'] });
    expect(stepped?.auth_time).toBe(signedInAt);
  });

  it('refuses: odd claims requests alongside acr_values never answer 500', async () => {
    const { browser } = await passwordSessionWithTotp();
    for (const claims of [
      '{"id_token":{"acr":{"essential":true,"values":"x"}}}',
      '{"id_token":null}',
      '{"id_token":{"acr":null}}',
      '{"userinfo":{"acr":{"essential":true,"value":"urn:sso:acr:2fa"}}}',
      '[]',
      'not json',
    ]) {
      const reply = await browser.follow(await browser.get(authorizeUrl(pkce().challenge, { claims })), isCallback);
      expect([claims, reply.status < 500]).toEqual([claims, true]);
    }
  });
});

