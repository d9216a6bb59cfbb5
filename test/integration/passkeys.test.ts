/**
 * Passkeys over HTTP with a software authenticator (test/support/software-authenticator.ts): the
 * account page's add and remove, signing in with a passkey alone or after a password, and what an
 * attacker tries first: replayed, re-targeted, phished, cloned, forged, oversized and cross-site
 * answers, another account's key, a removed key, a disabled account.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ACR_TWO_FACTORS } from '../../src/mfa/authentication-context.js';
import { PASSKEY_FAILURES_FREE_PER_PAGE } from '../../src/mfa/passkey-limits.js';
import { MAX_PASSKEYS_PER_ACCOUNT } from '../../src/mfa/passkeys.js';
import { runCli, runCliOverHttp } from '../support/admin.js';
import { HttpClient, type Reply } from '../support/http-client.js';
import { ALL_SCOPES, callApi, createAdminClient, managementToken } from '../support/management.js';
import { signInSteps, type Person } from '../support/sign-in-steps.js';
import { createSoftwareAuthenticator, passkeyOptionsIn, type SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const app = { id: 'passkey-test-app', secret: 'passkey-test-app-secret-0123456789abcdef', redirect: 'http://passkey-app.localhost:9/cb' };
const { issuer, newPerson, accountPage, loginPage, passwordStep, idTokenAfter, registerApp } = signInSteps(() => stack, app);

beforeAll(async () => {
  stack = await startStack();
  await registerApp();
});
afterAll(async () => {
  await stack.stop();
});

const authenticator = (options: { backupEligible?: boolean } = {}) => createSoftwareAuthenticator({ origin: new URL(issuer()).origin, ...options });

/** Adds a passkey from the account page: the password, the ceremony, the finish. Returns the final page. */
async function addPasskey(person: Person, browser: HttpClient, key: SoftwareAuthenticator, name = 'My laptop'): Promise<Reply> {
  const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name, current_password: person.password });
  expect(setup.status).toBe(200);
  return browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(passkeyOptionsIn(setup.body))) });
}

/** A person with a passkey on `key`, and the browser signed in to their account page. */
async function personWithPasskey(key = authenticator()): Promise<{ person: Person; key: SoftwareAuthenticator; browser: HttpClient }> {
  const person = await newPerson();
  const browser = await accountPage(person);
  expect((await addPasskey(person, browser, key)).body).toContain('is added');
  return { person, key, browser };
}

const postPasskey = (browser: HttpClient, uid: string, credential: unknown, headers: Record<string, string> = {}) =>
  browser.post(`${issuer()}/interaction/${uid}/passkey`, { credential: typeof credential === 'string' ? credential : JSON.stringify(credential) }, headers);

describe('adding and removing passkeys on the account page', () => {
  it('asks for the current password first, lists the passkey with its name, and ends the other sessions', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const elsewhere = await accountPage(person);

    const wrong = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'Laptop', current_password: 'not-it' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Your current password is not correct.');
    expect(wrong.body).not.toContain('data-options');

    const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'Laptop <b>', current_password: person.password });
    // The ceremony runs in our own script files, allowed by the page's CSP; no inline script.
    expect(setup.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(setup.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const options = passkeyOptionsIn<{ rp: { id: string }; user: { id: string; name: string }; challenge: string }>(setup.body);
    expect(options.rp.id).toBe(new URL(issuer()).hostname);
    expect(options.user.name).toBe(person.email);

    const key = authenticator();
    const done = await browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(options)) });
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your passkey “Laptop &lt;b&gt;” is added');
    expect(done.body).toContain('Other sign-in sessions ended: 1');
    expect((await elsewhere.follow(await elsewhere.get(`${issuer()}/account`))).body).toContain('name="password"');

    const page = await browser.get(`${issuer()}/account`);
    expect(page.body).toContain('Laptop &lt;b&gt;');
    expect(page.body).toContain('not used yet');
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: false, passkeys: 1, recoveryCodes: 0 });
    const [event] = await stack.idp.storage.audit.list({ limit: 1, type: 'account.factors_changed', accountId: person.id });
    expect(event?.detail).toMatchObject({ change: 'passkey_added' });
  });

  it('uses each registration challenge once, only from the session that asked, and never registers a key twice', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const other = await accountPage(person);
    const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'A', current_password: person.password });
    const key = authenticator();
    const response = JSON.stringify(key.register(passkeyOptionsIn(setup.body)));

    // Another session of the same person can't finish this one's ceremony.
    expect((await other.post(`${issuer()}/account/passkeys/finish`, { credential: response })).status).toBe(400);
    expect((await browser.post(`${issuer()}/account/passkeys/finish`, { credential: response })).status).toBe(200);
    const replayed = await browser.post(`${issuer()}/account/passkeys/finish`, { credential: response });
    expect(replayed.status).toBe(400);
    expect(replayed.body).toContain('Please start again');

    // The same authenticator key offered again, to this account or another, is refused.
    const again = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'B', current_password: person.password });
    expect((await browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(passkeyOptionsIn(again.body))) })).body).toContain('already registered');
    const thief = await newPerson();
    const thiefBrowser = await accountPage(thief);
    const thiefSetup = await thiefBrowser.post(`${issuer()}/account/passkeys/start`, { name: 'C', current_password: thief.password });
    expect((await thiefBrowser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(passkeyOptionsIn(thiefSetup.body))) })).body).toContain('already registered');
    expect(await stack.idp.passkeys.list(person.id)).toHaveLength(1);
    expect(await stack.idp.passkeys.list(thief.id)).toHaveLength(0);
  });

  it('refuses a registration made for another origin or relying party, and one that is not JSON', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    for (const bend of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { type: 'webauthn.get' }]) {
      const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'X', current_password: person.password });
      const refused = await browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(authenticator().register(passkeyOptionsIn(setup.body), bend)) });
      expect(refused.status).toBe(400);
    }
    await browser.post(`${issuer()}/account/passkeys/start`, { name: 'X', current_password: person.password });
    expect((await browser.post(`${issuer()}/account/passkeys/finish`, { credential: '{not json' })).status).toBe(400);
    expect(await stack.idp.passkeys.list(person.id)).toEqual([]);
  });

  it('refuses a cross-site add or remove', async () => {
    const { person, browser } = await personWithPasskey();
    const [passkey] = await stack.idp.passkeys.list(person.id);
    const evil = { origin: 'https://evil.example' };
    expect((await browser.post(`${issuer()}/account/passkeys/start`, { name: 'X', current_password: person.password }, evil)).status).toBe(403);
    expect((await browser.post(`${issuer()}/account/passkeys/${encodeURIComponent(passkey!.id)}/remove`, { current_password: person.password }, evil)).status).toBe(403);
    expect(await stack.idp.passkeys.list(person.id)).toHaveLength(1);
  });

  it(`holds at most ${MAX_PASSKEYS_PER_ACCOUNT} passkeys per account`, async () => {
    const { person, browser } = await personWithPasskey();
    for (let index = 1; index < MAX_PASSKEYS_PER_ACCOUNT; index += 1) expect((await addPasskey(person, browser, authenticator())).status).toBe(200);
    const refused = await browser.post(`${issuer()}/account/passkeys/start`, { name: 'One more', current_password: person.password });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('Remove one first');
  });

  it('removes a passkey only with the password, only the person’s own, and the recovery codes with the last factor', async () => {
    const { person, browser } = await personWithPasskey();
    const stranger = await personWithPasskey();
    await browser.post(`${issuer()}/account/recovery-codes`, { current_password: person.password });
    expect((await stack.idp.factors.status(person.id)).recoveryCodes).toBe(10);
    const [mine] = await stack.idp.passkeys.list(person.id);
    const [theirs] = await stack.idp.passkeys.list(stranger.person.id);

    expect((await browser.post(`${issuer()}/account/passkeys/${encodeURIComponent(mine!.id)}/remove`, { current_password: 'wrong' })).status).toBe(400);
    expect((await browser.post(`${issuer()}/account/passkeys/${encodeURIComponent(theirs!.id)}/remove`, { current_password: person.password })).status).toBe(404);
    expect(await stack.idp.passkeys.list(stranger.person.id)).toHaveLength(1);

    const removed = await browser.post(`${issuer()}/account/passkeys/${encodeURIComponent(mine!.id)}/remove`, { current_password: person.password });
    expect(removed.body).toContain('The passkey is removed');
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });
  });
});

describe('signing in with a passkey alone', () => {
  it('signs in from the login page with no password: acr two factors, amr hwk user mfa, auth_time now', async () => {
    const { person, key } = await personWithPasskey();
    // No max_age: every ID token carries auth_time, with acr and amr.
    const { browser, uid, page, verifier } = await loginPage();
    expect(page.body).toContain('autocomplete="username webauthn"');
    expect(page.body).toContain('data-autofill');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const options = passkeyOptionsIn<{ challenge: string; userVerification: string; allowCredentials?: unknown[]; rpId: string }>(page.body);
    expect(options).toMatchObject({ userVerification: 'required', rpId: new URL(issuer()).hostname });
    expect(options.allowCredentials ?? []).toEqual([]);
    // 32 random bytes (WebAuthn 13.4.3 asks for at least 16), drawn afresh for every page.
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
    const other = passkeyOptionsIn<{ challenge: string }>((await loginPage()).page.body);
    expect(other.challenge).not.toBe(options.challenge);

    const before = Math.floor(Date.now() / 1000);
    const reply = await postPasskey(browser, uid, key.assert(options));
    const claims = await idTokenAfter(reply, browser, verifier);
    expect(claims).toMatchObject({ sub: person.id, acr: ACR_TWO_FACTORS, amr: ['hwk', 'user', 'mfa'] });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    const [event] = await stack.idp.storage.audit.list({ limit: 1, type: 'sign_in.passkey_succeeded', accountId: person.id });
    expect(event?.detail).toMatchObject({ factor: 'passkey', method: 'hwk' });
    const [passkey] = await stack.idp.passkeys.list(person.id);
    expect(passkey?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('calls a synced passkey swk', async () => {
    const { key } = await personWithPasskey(authenticator({ backupEligible: true }));
    const { browser, uid, page, verifier } = await loginPage();
    const claims = await idTokenAfter(await postPasskey(browser, uid, key.assert(passkeyOptionsIn(page.body))), browser, verifier);
    expect(claims.amr).toEqual(['swk', 'user', 'mfa']);
  });

  it('refuses what an attacker tries first, each with a page that says so and never a token', async () => {
    const { key } = await personWithPasskey();
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const attempts: [string, (challenge: { challenge: string }) => unknown][] = [
      ['phished (another origin)', (o) => key.assert(o, { origin: 'https://idp.example.evil' })],
      ['another relying party', (o) => key.assert(o, { rpId: 'evil.example' })],
      ['no user verification', (o) => key.assert(o, { userVerified: false })],
      ['forged signature', (o) => key.assert(o, { signWith: otherKey })],
      ['another page’s challenge', () => key.assert({ challenge: Buffer.from('an old challenge from elsewhere').toString('base64url') })],
      ['a registration answer', (o) => key.assert(o, { type: 'webauthn.create' })],
      ['a claimed user that is not the key’s', (o) => key.assert(o, { userHandle: Buffer.from('someone-else').toString('base64url') })],
      ['a key nobody registered', (o) => authenticator().assert(o)],
      ['not JSON', () => '{"id": '],
      ['oversized', () => 'x'.repeat(15_000)],
    ];
    for (const [what, make] of attempts) {
      const { browser, uid, page } = await loginPage();
      const reply = await postPasskey(browser, uid, make(passkeyOptionsIn(page.body)));
      expect([what, reply.status]).toEqual([what, 400]);
      expect(reply.location).toBeUndefined();
      expect(reply.body).toContain('role="alert"');
      // The page after a refusal offers the button only, not the autofill that may have made it.
      expect(reply.body).not.toContain('data-autofill');
    }
    const tooBig = await loginPage();
    expect((await postPasskey(tooBig.browser, tooBig.uid, 'x'.repeat(40_000))).status).toBe(413);
  });

  it('throttles failed answers on one sign-in page: after the free ones, 429 with Retry-After', async () => {
    const { key } = await personWithPasskey();
    const { browser, uid, page } = await loginPage();
    let options = passkeyOptionsIn(page.body);
    const statuses: number[] = [];
    let throttled: Reply | undefined;
    for (let attempt = 0; attempt < PASSKEY_FAILURES_FREE_PER_PAGE + 3 && !throttled; attempt += 1) {
      const reply = await postPasskey(browser, uid, key.assert(options, { origin: 'https://phish.example' }));
      statuses.push(reply.status);
      if (reply.status === 429) throttled = reply;
      else options = passkeyOptionsIn(reply.body); // each refusal's page carries a fresh challenge
    }
    expect(statuses.slice(0, PASSKEY_FAILURES_FREE_PER_PAGE)).toEqual(Array(PASSKEY_FAILURES_FREE_PER_PAGE).fill(400));
    expect(throttled?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(throttled?.body).toContain('Too many passkey attempts');
  });

  it('uses each sign-in challenge once: a replayed answer is refused, even one that was refused before', async () => {
    const { key } = await personWithPasskey();
    const { browser, uid, page, verifier } = await loginPage();
    const answer = key.assert(passkeyOptionsIn(page.body));
    const [first, second] = await Promise.all([postPasskey(browser, uid, answer), postPasskey(browser, uid, answer)]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([303, 400]);
    await idTokenAfter(first.status === 303 ? first : second, browser, verifier);

    // The same answer at a new sign-in page of the same browser: its challenge is not this one.
    const next = await loginPage(new HttpClient());
    expect((await postPasskey(next.browser, next.uid, answer)).status).toBe(400);
  });

  it('refuses a counter that went backwards (a cloned authenticator)', async () => {
    const { key } = await personWithPasskey(createSoftwareAuthenticator({ origin: new URL(issuer()).origin, counterStart: 10 }));
    const first = await loginPage();
    expect((await postPasskey(first.browser, first.uid, key.assert(passkeyOptionsIn(first.page.body), { counter: 20 }))).status).toBe(303);
    const clone = await loginPage();
    expect((await postPasskey(clone.browser, clone.uid, key.assert(passkeyOptionsIn(clone.page.body), { counter: 15 }))).status).toBe(400);
  });

  it('refuses a cross-site post of a passkey answer', async () => {
    const { key } = await personWithPasskey();
    const { browser, uid, page } = await loginPage();
    const reply = await postPasskey(browser, uid, key.assert(passkeyOptionsIn(page.body)), { origin: 'https://evil.example' });
    expect(reply.status).toBe(403);
  });

  it('signs nobody in with a removed passkey, or into a disabled account', async () => {
    const removed = await personWithPasskey();
    const [passkey] = await stack.idp.passkeys.list(removed.person.id);
    await removed.browser.post(`${issuer()}/account/passkeys/${encodeURIComponent(passkey!.id)}/remove`, { current_password: removed.person.password });
    const one = await loginPage();
    const refused = await postPasskey(one.browser, one.uid, removed.key.assert(passkeyOptionsIn(one.page.body)));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('not registered here');

    const disabled = await personWithPasskey();
    await stack.idp.storage.accounts.update(disabled.person.id, { disabled: true });
    const two = await loginPage();
    expect((await postPasskey(two.browser, two.uid, disabled.key.assert(passkeyOptionsIn(two.page.body)))).status).toBe(400);
  });
});

describe('a passkey as the second step after the password', () => {
  it('asks for the passkey after a right password, with options for this account’s keys only, and signs in with pwd hwk mfa', async () => {
    const { person, key } = await personWithPasskey();
    const { browser, uid, reply, verifier } = await passwordStep(person);
    expect(reply.location).toBe(`${issuer()}/interaction/${uid}/passkey`);
    const page = await browser.get(reply.location!);
    expect(page.body).toContain('Use your passkey');
    expect(page.body).toContain('Use a recovery code instead');
    expect(page.body).not.toContain('Use your authenticator app instead');
    // Without script (this client runs none) the page says the passkey can't be used here.
    expect(page.body).toContain("This browser can't use passkeys here");
    const options = passkeyOptionsIn<{ challenge: string; allowCredentials: { id: string }[] }>(page.body);
    expect(options.allowCredentials.map((credential) => credential.id)).toEqual([key.id]);

    // Without user verification (a security key with no PIN) it still counts after the password.
    const claims = await idTokenAfter(await postPasskey(browser, uid, key.assert(options, { userVerified: false })), browser, verifier);
    expect(claims).toMatchObject({ acr: ACR_TWO_FACTORS, amr: ['pwd', 'hwk', 'mfa'] });
    // The audit trail says the password was accepted, then the sign-in succeeded with the passkey:
    // never `sign_in.succeeded` for a password that still owed its second factor.
    const events = (await stack.idp.storage.audit.list({ limit: 10, accountId: person.id })).map((event) => event.type);
    expect(events.slice(0, 2)).toEqual(['sign_in.second_factor_succeeded', 'sign_in.password_accepted']);
  });

  it('refuses another account’s passkey after this account’s password', async () => {
    const victim = await personWithPasskey();
    const attacker = await personWithPasskey();
    const { browser, uid, reply } = await passwordStep(victim.person);
    const page = await browser.get(reply.location!);
    const refused = await postPasskey(browser, uid, attacker.key.assert(passkeyOptionsIn(page.body)));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('belongs to another account');
    expect(refused.body).toContain('Use your passkey');
  });

  it('never issues a token for the password alone: the app gets nothing until the passkey', async () => {
    const { person } = await personWithPasskey();
    const { browser, reply } = await passwordStep(person);
    const end = await browser.follow(reply);
    expect(end.url).toContain('/passkey');
    expect(end.body).not.toContain('code=');
  });

  it('keeps the recovery codes usable in place of the passkey', async () => {
    const { person, browser: account } = await personWithPasskey();
    const codes = (await account.post(`${issuer()}/account/recovery-codes`, { current_password: person.password })).body.match(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)!;
    const code = />([A-Z0-9-]+)</.exec(codes[0]!)![1]!;
    const { browser, uid, verifier } = await passwordStep(person);
    const claims = await idTokenAfter(await browser.post(`${issuer()}/interaction/${uid}/recovery-code`, { code }), browser, verifier);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('admins and passkeys', () => {
  it('shows how many passkeys a user has (never the keys), and a factor reset removes them and ends sessions', async () => {
    const { person, key } = await personWithPasskey();
    const token = await managementToken(stack.idp, await createAdminClient(stack.idp, ALL_SCOPES, 'Passkey admin'));
    const shown = await callApi(stack.idp, token, 'GET', `/users/${person.id}`);
    expect(shown.json).toMatchObject({ passkeys: 1, has_totp: false });
    expect(JSON.stringify(shown.json)).not.toContain(key.id);

    const reset = await callApi(stack.idp, token, 'POST', `/users/${person.id}/factors/reset`);
    expect(reset.json).toMatchObject({ user: { passkeys: 0 } });
    const [event] = await stack.idp.storage.audit.list({ limit: 1, type: 'account.factors_reset', accountId: person.id });
    expect(event?.detail).toMatchObject({ passkeys: 1 });
    const { browser, uid, page } = await loginPage();
    expect((await postPasskey(browser, uid, key.assert(passkeyOptionsIn(page.body)))).status).toBe(400);
    // The password alone signs in again.
    const again = await passwordStep(person);
    expect((await idTokenAfter(again.reply, again.browser, again.verifier)).amr).toEqual(['pwd']);
  });

  it('the admin CLI shows a user’s factors and resets them, over HTTP and on the store alike', async () => {
    const admin = await createAdminClient(stack.idp, ALL_SCOPES, 'CLI admin');
    const env = { issuer: issuer(), clientId: admin.id, clientSecret: admin.secret };
    for (const run of [(argv: string[]) => runCliOverHttp(env, argv), (argv: string[]) => runCli(stack.idp, argv)]) {
      const { person, key } = await personWithPasskey();
      const shown = await run(['users', 'factors', person.email, '--json']);
      expect(shown.json()).toEqual([{ email: person.email, passkeys: 1, totp: false, recovery_codes: false, id: person.id }]);
      expect(shown.out).not.toContain(key.id);
      const reset = await run(['users', 'reset-factors', person.email, '--json']);
      expect(reset).toMatchObject({ code: 0 });
      expect(reset.json()).toEqual([expect.objectContaining({ passkeys: 0, totp: false })]);
      expect(reset.err).toContain('Ended 1 session(s)');
      expect(await stack.idp.passkeys.list(person.id)).toEqual([]);
    }
  });

  it('deletes the passkeys with the account', async () => {
    const { person } = await personWithPasskey();
    const token = await managementToken(stack.idp, await createAdminClient(stack.idp, ALL_SCOPES, 'Deleting admin'));
    expect((await callApi(stack.idp, token, 'DELETE', `/users/${person.id}`)).status).toBe(204);
    expect(await stack.idp.storage.modelStore('Passkey').findByAccountId(person.id)).toEqual([]);
  });
});
