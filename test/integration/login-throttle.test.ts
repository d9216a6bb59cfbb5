/**
 * The attacks of issue 8 items 1 and 2, run against a real IdP behind a (simulated) trusted proxy:
 * each browser reports its own address in X-Forwarded-For.
 */
import { registerAccount } from '../../src/accounts/accounts.js';
import { DEVICE_COOKIE } from '../../src/throttling/device-cookie.js';
import { HttpClient, type Reply } from '../support/http-client.js';
import { BOB, loginFormAt } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', LOGIN_ATTEMPTS_PER_PAGE: '1000' } }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

const loginPage = (browser: HttpClient) => loginFormAt(stack, browser);

async function attempt(browser: HttpClient, email: string, password: string): Promise<Reply> {
  return browser.post(await loginPage(browser), { email, password });
}

const signedIn = (reply: Reply) => reply.status === 303 && reply.location?.includes('/auth/') === true;

describe('sign-in throttling', () => {
  it('lets the person in from a browser they used before, despite 30 failures on their account from another address', async () => {
    const own = HttpClient.at('198.51.100.10');
    expect(signedIn(await attempt(own, BOB.email, BOB.password))).toBe(true);

    const attacker = HttpClient.at('203.0.113.66');
    const replies = [];
    for (let n = 0; n < 30; n += 1) replies.push(await attempt(attacker, BOB.email, `guess-${n}`));
    expect(replies.slice(0, 10).every((reply) => reply.status === 200 && reply.body.includes('Email or password is incorrect.'))).toBe(true);
    expect(replies.slice(10).some((reply) => reply.status === 429)).toBe(true);

    expect(signedIn(await attempt(own, BOB.email, BOB.password))).toBe(true);
  });

  it('slows strangers on an attacked account with a growing wait, never a lock', async () => {
    const email = 'carol-attacked@example.com';
    for (let n = 0; n < 11; n += 1) await attempt(HttpClient.at(`192.0.2.${n + 1}`), email, 'wrong');
    const stranger = await attempt(HttpClient.at('192.0.2.200'), email, 'wrong');
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(stranger.body).toMatch(/Too many sign-in attempts. Please wait \d+ seconds? and try again./);
  });

  it('cuts off password spraying from one address after a few failures, and only that address', async () => {
    const sprayer = HttpClient.at('203.0.113.7');
    const replies = [];
    for (let n = 0; n < 14; n += 1) replies.push(await attempt(sprayer, `person-${n}@example.com`, 'Summer2026!'));
    expect(replies.slice(0, 10).map((reply) => reply.status)).toEqual(Array(10).fill(200));
    expect(replies.slice(11).map((reply) => reply.status)).toEqual([429, 429, 429]);
    expect(replies[13]!.headers.get('retry-after')).toMatch(/^\d+$/);

    const neighbour = await attempt(HttpClient.at('203.0.113.8'), 'someone@example.com', 'wrong');
    expect(neighbour.status).toBe(200);
  });

  it('counts a burst of concurrent guesses in full', async () => {
    const browser = HttpClient.at('203.0.113.99');
    const url = await loginPage(browser);
    const replies = await Promise.all(Array.from({ length: 16 }, (_v, n) => browser.post(url, { email: 'burst@example.com', password: `guess-${n}` })));
    // 10 free attempts and at most one turn after them; everything else waits, or is refused as busy.
    expect(replies.filter((reply) => reply.status === 200).length).toBeLessThanOrEqual(11);
    expect(replies.filter((reply) => reply.status === 429).length).toBeGreaterThanOrEqual(5);
  });

  it('does not trust a tampered device cookie', async () => {
    const owner = HttpClient.at('198.51.100.20');
    expect(signedIn(await attempt(owner, 'alice@example.com', 'wonderland'))).toBe(true);
    const [device] = (await owner.jar.getCookies(stack.idp.issuer + '/interaction/x')).filter((cookie) => cookie.key === DEVICE_COOKIE);
    expect(device).toBeDefined();

    const attacker = HttpClient.at('203.0.113.44');
    // The tag's first character changed: its last ones may already be what a fixed ending writes.
    const [payload, tag] = device!.value.split('.') as [string, string];
    await attacker.jar.setCookie(`${DEVICE_COOKIE}=${payload}.${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}; Path=/`, stack.idp.issuer);
    const replies = [];
    for (let n = 0; n < 25; n += 1) replies.push(await attempt(attacker, 'alice@example.com', `guess-${n}`));
    expect(replies.some((reply) => reply.status === 429)).toBe(true);
  });

  it('treats unknown emails exactly like known ones', async () => {
    const [known, unknown] = [HttpClient.at('203.0.113.150'), HttpClient.at('203.0.113.151')];
    const statuses = async (browser: HttpClient, email: string) => {
      const list = [];
      for (let n = 0; n < 13; n += 1) list.push((await attempt(browser, email, 'wrong')).status);
      return list;
    };
    await registerAccount(stack.idp.storage.accounts, { email: 'erin@example.com', name: 'Erin', password: 'erin-password' });
    expect(await statuses(unknown, 'nobody-at-all@example.com')).toEqual(await statuses(known, 'erin@example.com'));
  });

  it('records failures and throttling as security events, without the email or password', async () => {
    const since = new Date();
    await attempt(HttpClient.at('203.0.113.200'), 'dora-audit@example.com', 'not-her-password');
    const events = (await stack.idp.storage.audit.list({ limit: 50, type: 'sign_in.failed' })).filter((event) => event.at >= since);
    expect(events[0]).toMatchObject({ source: '203.0.113.200', subject: stack.idp.pseudonyms.ofEmail('dora-audit@example.com') });
    expect(JSON.stringify(events)).not.toMatch(/dora-audit|not-her-password/);
  });
});
