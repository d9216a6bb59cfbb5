/**
 * Ending a person's access can't be outrun (found by a security review): a sign-in whose password
 * was accepted just before (kept unfinished by someone who knows the old password), or a request in
 * flight that saves the IdP session back after it was deleted, must not keep anyone signed in.
 */
import { CookieJar } from 'tough-cookie';
import { registerAccount } from '../../src/accounts/accounts.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { runCli } from '../support/admin.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { signedInEverywhere } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';
import { withLatency } from '../support/storage-latency.js';


let stack: Stack;
const serverErrors: string[] = [];
beforeAll(async () => {
  const logger = createLogger('error', (line) => serverErrors.push(line));
  stack = await startStack({ idp: await startIdp({ storage: withLatency(createMemoryStorage()), logger }) });
});
afterEach(() => {
  expect(serverErrors).toEqual([]);
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

let people = 0;
async function person() {
  people += 1;
  const credentials = { email: `staged-${people}@example.com`, password: `password-of-${people}` };
  const account = await registerAccount(stack.idp.storage.accounts, { ...credentials, name: `Person ${people}` });
  return { credentials, account };
}

/** Someone who knows the password submits it on a login page and keeps the redirect for later. */
async function stagedSignIn(credentials: { email: string; password: string }): Promise<{ attacker: HttpClient; resume: Reply }> {
  const attacker = new HttpClient();
  const loginPage = await attacker.follow(await attacker.get(`${stack.siteA.url}/login`));
  const resume = await attacker.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, credentials);
  expect(resume.status).toBe(303);
  return { attacker, resume };
}

async function expectStagedSignInRefused(attacker: HttpClient, resume: Reply, accountId: string) {
  const landed = await attacker.follow(resume);
  expect(landed.status).toBeLessThan(500);
  expect(landed.body).not.toContain('Hello');
  expect((await attacker.follow(await attacker.get(`${stack.siteB.url}/`))).body).not.toContain('Hello');
  expect(await stack.idp.storage.modelStore('Session').findByAccountId(accountId)).toEqual([]);
}

describe('a sign-in staged before access ends', () => {
  it('does not survive a password change on the account page', async () => {
    const { credentials, account } = await person();
    const { attacker, resume } = await stagedSignIn(credentials);
    const victim = await signedInEverywhere(stack, credentials);
    const changed = await victim.post(`${stack.idp.issuer}/account/password`, { current_password: credentials.password, new_password: 'a-brand-new-password' });
    expect(changed.body).toContain('Your password is changed');
    await expectStagedSignInRefused(attacker, resume, account.id);
  });

  it('does not survive an admin password reset', async () => {
    const { credentials, account } = await person();
    const { attacker, resume } = await stagedSignIn(credentials);
    expect((await runCli(stack.idp, ['users', 'set-password', credentials.email], { secrets: ['admin-reset-password'] })).code).toBe(0);
    await expectStagedSignInRefused(attacker, resume, account.id);
  });

  it('does not survive "Sign out everywhere"', async () => {
    const { credentials, account } = await person();
    const { attacker, resume } = await stagedSignIn(credentials);
    const victim = await signedInEverywhere(stack, credentials);
    expect((await victim.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {})).status).toBe(200);
    await expectStagedSignInRefused(attacker, resume, account.id);
  });

  it('does not survive an admin disabling the account, and answers without a server error', async () => {
    const { credentials, account } = await person();
    const { attacker, resume } = await stagedSignIn(credentials);
    expect((await runCli(stack.idp, ['users', 'disable', credentials.email])).code).toBe(0);
    await expectStagedSignInRefused(attacker, resume, account.id);
  });

  it('lets the person sign in again right after ending their own access', async () => {
    const { credentials } = await person();
    const victim = await signedInEverywhere(stack, credentials);
    await victim.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {});
    await expect(signedInEverywhere(stack, credentials)).resolves.toBeDefined();
  });
});

describe('requests in flight while "Sign out everywhere" runs', () => {
  it('can save the session back, but it no longer signs anyone in', async () => {
    const { credentials } = await person();
    const victim = await signedInEverywhere(stack, credentials);
    // Sign-in times are whole seconds (auth_time): the victim signed in a moment ago, not this second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Someone holding a copy of the victim's IdP cookies keeps asking site-a's /auth silently.
    const stolen = new CookieJar();
    for (const cookie of await victim.jar.getCookies(`${stack.idp.issuer}/`)) await stolen.setCookie(cookie.clone()!, `${stack.idp.issuer}/`);
    const attacker = new HttpClient(stolen);
    const authUrl = (await new HttpClient().get(`${stack.siteA.url}/login?prompt=none`)).location!;

    let running = true;
    const loops = Array.from({ length: 4 }, async () => {
      while (running) await attacker.get(authUrl);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await victim.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {})).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(loops);

    const after = await attacker.get(authUrl);
    expect(after.location).toContain('error=login_required');
    expect(after.location).not.toContain('code=');
  });
});
