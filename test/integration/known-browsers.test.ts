/**
 * Which browsers count as the person's own (throttling/device-cookie.ts), from an attacking review:
 * a device cookie handed out on the password alone, and never ending, let someone who once had the
 * password hoard cookies, each good for fresh guesses at the next password; and one count of wrong
 * codes for every browser let someone with the password keep the person out of the second step.
 * Now a browser is remembered only once a sign-in on it is complete, only until the account's
 * access or other sessions end, and its wrong codes are counted apart from everyone else's.
 */
import { ACR_TWO_FACTORS } from '../../src/mfa/authentication-context.js';
import { DEVICE_COOKIE } from '../../src/throttling/device-cookie.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { signInSteps, type Person } from '../support/sign-in-steps.js';
import { enrolTotp, totpCodes } from '../support/totp-codes.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const app = { id: 'known-browsers-app', secret: 'known-browsers-app-secret-0123456789ab', redirect: 'http://known-browsers.localhost:9/cb' };
const { issuer, newPerson, accountPage, loginPage, passwordStep, registerApp } = signInSteps(() => stack, app);

beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', LOGIN_ATTEMPTS_PER_PAGE: '1000' } }) });
  await registerApp();
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

let addresses = 0;
const browserAt = () => HttpClient.at(`198.18.${Math.floor(addresses / 250)}.${(addresses++ % 250) + 1}`);
const deviceCookieOf = async (browser: HttpClient) => (await browser.jar.getCookies(`${issuer()}/interaction/x`)).find((cookie) => cookie.key === DEVICE_COOKIE);
const signedIn = (reply: Reply) => reply.status === 303 && !reply.location?.includes('/interaction/');

/** Whether the IdP took the browser for one the person used before, from the audit trail of a wrong password there. */
async function knownWhenWrong(browser: HttpClient, person: Person): Promise<boolean> {
  const since = new Date();
  const { reply } = await passwordStep({ ...person, password: 'not-the-password' }, browser);
  expect(reply.status).toBe(200);
  const [event] = (await stack.idp.storage.audit.list({ limit: 10, type: 'sign_in.failed' })).filter((entry) => entry.at >= since);
  // No event at all must not read as "a stranger": the answer comes from the event's own field.
  const known = (event?.detail as { known_browser?: unknown } | undefined)?.known_browser;
  expect(typeof known).toBe('boolean');
  return known === true;
}

/** The [pseudonym, since] entries of a device cookie's value. */
const entriesOf = (value: string): [string, number][] => JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8')).a;

/** Another browser with `browser`'s device cookie and nothing else: a login page, not its session's SSO. */
async function sameDeviceCookie(browser: HttpClient): Promise<HttpClient> {
  const cookie = await deviceCookieOf(browser);
  expect(cookie).toBeDefined();
  const other = browserAt();
  await other.jar.setCookie(`${DEVICE_COOKIE}=${cookie!.value}; Path=/`, issuer());
  return other;
}

async function recoveryCodes(person: Person, browser: HttpClient): Promise<string[]> {
  const page = await browser.post(`${issuer()}/account/recovery-codes`, { current_password: person.password });
  return [...page.body.matchAll(/<li><code>([A-Z2-7-]+)<\/code><\/li>/g)].map((match) => match[1]!);
}

describe('a browser is the person\'s own', () => {
  it('only once the sign-in on it is complete: a right password without the code leaves no device cookie', async () => {
    const person = await newPerson();
    const secret = await enrolTotp(issuer(), person, await accountPage(person));
    const { browser, uid, reply } = await passwordStep(person, browserAt());
    expect(reply.location).toBe(`${issuer()}/interaction/${uid}/code`);
    expect(await deviceCookieOf(browser)).toBeUndefined();
    expect(await knownWhenWrong(browser, person)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const codeSent = Date.now();
    expect((await browser.post(`${issuer()}/interaction/${uid}/code`, { code: totpCodes.codeAt(secret, 1) })).status).toBe(303);
    // Known since the password check began, not since the code: a password changed while this
    // sign-in finished (after its check began) ends this browser's standing too.
    const [entry] = entriesOf((await deviceCookieOf(browser))!.value);
    expect(entry![1]).toBeLessThan(codeSent);
    expect(await knownWhenWrong(browser, person)).toBe(true);
  });

  it('keeps the other accounts it knows when the person changes the password of one on the account page', async () => {
    const [first, second] = [await newPerson(), await newPerson()];
    const shared = browserAt();
    expect(signedIn((await passwordStep(first, shared)).reply)).toBe(true);
    const settings = await accountPage(second, shared);
    const changed = await settings.post(`${issuer()}/account/password`, { current_password: second.password, new_password: 'a-brand-new-password' });
    expect(changed.body).toContain('Your password is changed');
    expect(entriesOf((await deviceCookieOf(shared))!.value)).toHaveLength(2);
    expect(await knownWhenWrong(await sameDeviceCookie(shared), first)).toBe(true);
    expect(await knownWhenWrong(await sameDeviceCookie(shared), { ...second, password: 'a-brand-new-password' })).toBe(true);
  });

  it('only until the password changes: cookies kept from before are strangers\' after it', async () => {
    const person = await newPerson();
    const hoard = await Promise.all([browserAt(), browserAt()].map(async (browser) => {
      expect(signedIn((await passwordStep(person, browser)).reply)).toBe(true);
      return browser;
    }));
    for (const browser of hoard) expect(await knownWhenWrong(browser, person)).toBe(true);
    const own = await accountPage(person, browserAt());
    const changed = await own.post(`${issuer()}/account/password`, { current_password: person.password, new_password: 'a-brand-new-password' });
    expect(changed.body).toContain('Your password is changed');
    const renewed = { ...person, password: 'a-brand-new-password' };
    for (const browser of hoard) expect(await knownWhenWrong(browser, renewed)).toBe(false);
    // The browser the person changed it on stays theirs: no attacker's failures keep them out of it.
    expect(await knownWhenWrong(own, renewed)).toBe(true);
    // Signed in again, a browser is the person's own again.
    expect(signedIn((await passwordStep(renewed, hoard[0])).reply)).toBe(true);
    expect(await knownWhenWrong(hoard[0]!, renewed)).toBe(true);
  });

  it('still after a step-up on it: the session\'s older password time does not undo the later date its factor change gave it', async () => {
    const person = await newPerson();
    const browser = browserAt();
    const settings = await accountPage(person, browser);
    const secret = await enrolTotp(issuer(), person, settings);
    expect(await knownWhenWrong(await sameDeviceCookie(browser), person)).toBe(true);
    // A site asks this password-only session for two factors: the code alone, keeping the session.
    const { browser: same, uid, page } = await loginPage(browser, { acr_values: ACR_TWO_FACTORS });
    expect(page.url).toBe(`${issuer()}/interaction/${uid}/code`);
    expect((await same.post(`${issuer()}/interaction/${uid}/code`, { code: totpCodes.codeAt(secret, 1) })).status).toBe(303);
    expect(await knownWhenWrong(await sameDeviceCookie(browser), person)).toBe(true);
  });

  it('only until a second factor changes (other sessions end): a browser known before it is a stranger after it', async () => {
    const person = await newPerson();
    const before = browserAt();
    expect(signedIn((await passwordStep(person, before)).reply)).toBe(true);
    expect(await knownWhenWrong(before, person)).toBe(true);
    const settings = await accountPage(person, browserAt());
    await enrolTotp(issuer(), person, settings);
    expect(await knownWhenWrong(before, person)).toBe(false);
    // The browser the change was made on stays theirs (its device cookie, in a browser without its session).
    expect(await knownWhenWrong(await sameDeviceCookie(settings), person)).toBe(true);
  });
});

describe('wrong second-factor codes', () => {
  it('from someone with only the password pause strangers, but not the person on a browser where they signed in', async () => {
    const person = await newPerson();
    const settings = await accountPage(person, browserAt());
    await enrolTotp(issuer(), person, settings);
    const codes = await recoveryCodes(person, settings);
    expect(codes).toHaveLength(10);
    const own = browserAt();
    const first = await passwordStep(person, own);
    expect((await own.post(`${issuer()}/interaction/${first.uid}/recovery-code`, { code: codes[0]! })).status).toBe(303);

    // The attacker knows the password, not the code: a wrong code on a fresh page each time until paused.
    const attacker = browserAt();
    let paused: Reply | undefined;
    for (let attempt = 0; attempt < 12 && !paused; attempt += 1) {
      const { uid } = await passwordStep(person, attacker);
      const reply = await attacker.post(`${issuer()}/interaction/${uid}/recovery-code`, { code: 'AAAA-AAAA-AAAA-AAAA' });
      if (reply.status === 429) paused = reply;
      else expect(reply.status).toBe(400);
    }
    expect(paused).toBeDefined();

    const stranger = await passwordStep(person, browserAt());
    expect((await stranger.browser.post(`${issuer()}/interaction/${stranger.uid}/recovery-code`, { code: codes[1]! })).status).toBe(429);
    const again = await passwordStep(person, own);
    expect((await own.post(`${issuer()}/interaction/${again.uid}/recovery-code`, { code: codes[2]! })).status).toBe(303);
  });

  it('from someone with only the password do not keep the person, signed in on the account page, from setting the app up again', async () => {
    const person = await newPerson();
    const settings = await accountPage(person, browserAt());
    await enrolTotp(issuer(), person, settings);
    const [first] = await recoveryCodes(person, settings);
    // Signed in to the account page again, with the password and a recovery code.
    const own = browserAt();
    const login = await own.follow(await own.get(`${issuer()}/account`));
    const uid = interactionUid(login.url);
    expect((await own.post(`${issuer()}/interaction/${uid}/login`, { email: person.email, password: person.password })).location).toBe(`${issuer()}/interaction/${uid}/code`);
    expect((await own.follow(await own.post(`${issuer()}/interaction/${uid}/recovery-code`, { code: first! }))).url).toBe(`${issuer()}/account`);

    const attacker = browserAt();
    let paused = false;
    for (let attempt = 0; attempt < 12 && !paused; attempt += 1) {
      const step = await passwordStep(person, attacker);
      paused = (await attacker.post(`${issuer()}/interaction/${step.uid}/code`, { code: '000000' })).status === 429;
    }
    expect(paused).toBe(true);

    const setup = await own.post(`${issuer()}/account/totp/start`, {});
    const secret = totpCodes.secretOn(setup)!;
    const done = await own.post(`${issuer()}/account/totp/confirm`, { code: totpCodes.codeAt(secret), current_password: person.password });
    expect([done.status, done.body.includes('Your authenticator app is on')]).toEqual([200, true]);
  });
});
