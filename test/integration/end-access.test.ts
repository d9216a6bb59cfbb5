/**
 * Issue 8 items 3 and 4: "Sign out everywhere", a password change (by the person or an admin) and
 * a disabled account end everything: IdP sessions (nothing signs in silently any more), every
 * grant including offline_access refresh tokens, and the sites' own sessions via back-channel
 * logout. Each case starts from the same position: signed in at both sites, and a third-party app
 * holding an offline refresh token.
 */
import { registerAccount } from '../../src/accounts/accounts.js';
import { runCli } from '../support/admin.js';
import { HttpClient } from '../support/http-client.js';
import { signedInEverywhere } from '../support/journeys.js';
import { authorize, exchangeCode, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';
import { deliveriesSettled } from '../support/deliveries.js';

let stack: Stack;
const notes = { id: 'notes-offline', secret: 'notes-offline-secret-0123456789abcdefgh', redirect: 'http://notes.localhost:9/cb' };

beforeAll(async () => {
  stack = await startStack();
  await stack.idp.clients.save(
    { client_id: notes.id, client_secret: notes.secret, client_name: 'Notes', redirect_uris: [notes.redirect], grant_types: ['authorization_code', 'refresh_token'] },
    { firstParty: false },
  );
});
afterAll(async () => {
  await stack.stop();
});

let people = 0;
/** A fresh person, signed in at site-a and site-b, whose Notes app holds an offline refresh token. */
async function signedInWithOfflineApp() {
  people += 1;
  const person = { email: `person-${people}@example.com`, password: `password-of-${people}` };
  const account = await registerAccount(stack.idp.storage.accounts, { ...person, name: `Person ${people}` });
  const browser = await signedInEverywhere(stack, person);
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(browser, {
    issuer: stack.idp.issuer,
    params: { client_id: notes.id, redirect_uri: notes.redirect, response_type: 'code', scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256' },
    consent: 'allow',
  });
  const tokens = await exchangeCode(stack.idp.issuer, notes, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: notes.redirect, code_verifier: verifier });
  return { person, account, browser, refreshToken: tokens.json.refresh_token as string };
}

const refresh = (token: string) => exchangeCode(stack.idp.issuer, notes, { grant_type: 'refresh_token', refresh_token: token });

/** Uses the refresh token (it rotates) and returns its successor: the one that must die next. */
async function stillRefreshes(token: string): Promise<string> {
  const reply = await refresh(token);
  expect(reply.status).toBe(200);
  return reply.json.refresh_token as string;
}

/** Everything the person had is gone: sites, silent sign-in at the IdP, the offline refresh token. */
async function expectEverythingEnded(browser: HttpClient, refreshToken: string, accountId: string) {
  // The sites hear of it just after the answer (logout-delivery/): wait for those deliveries.
  await deliveriesSettled(stack.idp);
  expect((await browser.follow(await browser.get(`${stack.siteA.url}/`))).body).not.toContain('Hello');
  expect((await browser.follow(await browser.get(`${stack.siteB.url}/`))).body).not.toContain('Hello');
  const silent = await browser.follow(await browser.get(`${stack.siteA.url}/login?prompt=none`));
  expect(silent.body).not.toContain('Hello');
  expect((await refresh(refreshToken)).json.error).toBe('invalid_grant');
  expect(await stack.idp.storage.modelStore('Session').findByAccountId(accountId)).toEqual([]);
  expect(await stack.idp.storage.modelStore('Grant').findByAccountId(accountId)).toEqual([]);
}

describe('ending all of a person’s access', () => {
  it('"Sign out everywhere" also kills offline refresh tokens, and the page says so', async () => {
    const { browser, refreshToken, account } = await signedInWithOfflineApp();
    const current = await stillRefreshes(refreshToken);
    const page = await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
    expect(page.body).toContain('(also while you are away)');
    const ended = await browser.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {});
    expect(ended.body).toContain('Sign-in sessions ended: 1');
    expect(ended.body).toContain('Apps whose access was taken away: 3');
    expect(ended.body).toContain('1 of them could act while you were away: that ended too');
    expect(ended.body).toContain('Apps being told to sign you out: 2.');
    await expectEverythingEnded(browser, current, account.id);
  });

  it('an admin disabling the account ends its sessions, sites and tokens at once', async () => {
    const { person, browser, refreshToken, account } = await signedInWithOfflineApp();
    const run = await runCli(stack.idp, ['users', 'disable', person.email]);
    expect(run.code).toBe(0);
    expect(run.err).toContain('Ended 1 session(s); revoked access of 3 app(s) (1 with offline access); telling 2 app(s) through back-channel logout');
    await expectEverythingEnded(browser, refreshToken, account.id);
    expect((await stack.idp.storage.audit.list({ limit: 5, accountId: account.id, type: 'account.disabled' }))[0]).toMatchObject({ type: 'account.disabled', detail: { by: 'admin', sessions: 1 } });
  });

  it('an admin password reset ends everything, and only the new password signs in', async () => {
    const { person, browser, refreshToken, account } = await signedInWithOfflineApp();
    expect((await runCli(stack.idp, ['users', 'set-password', person.email], { secrets: ['brand-new-password'] })).code).toBe(0);
    await expectEverythingEnded(browser, refreshToken, account.id);
    await expect(signedInEverywhere(stack, person)).rejects.toThrow();
    await expect(signedInEverywhere(stack, { ...person, password: 'brand-new-password' })).resolves.toBeDefined();
  });

  it('changing the password on the account page needs the current one, then ends everything', async () => {
    const { person, browser, refreshToken, account } = await signedInWithOfflineApp();
    await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
    const wrong = await browser.post(`${stack.idp.issuer}/account/password`, { current_password: 'not-it', new_password: 'a-better-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Your current password is not correct.');
    const tooShort = await browser.post(`${stack.idp.issuer}/account/password`, { current_password: person.password, new_password: 'short' });
    expect(tooShort.status).toBe(400);
    const current = await stillRefreshes(refreshToken);

    const changed = await browser.post(`${stack.idp.issuer}/account/password`, { current_password: person.password, new_password: 'a-better-password' });
    expect(changed.body).toContain('Your password is changed');
    await expectEverythingEnded(browser, current, account.id);
    await expect(signedInEverywhere(stack, { ...person, password: 'a-better-password' })).resolves.toBeDefined();
  });

  it('refuses a password change posted from another site', async () => {
    const { person, browser } = await signedInWithOfflineApp();
    const reply = await browser.post(`${stack.idp.issuer}/account/password`, { current_password: person.password, new_password: 'attacker-chosen' }, { origin: 'http://evil.localhost' });
    expect(reply.status).toBe(403);
    await expect(signedInEverywhere(stack, person)).resolves.toBeDefined();
  });
});
