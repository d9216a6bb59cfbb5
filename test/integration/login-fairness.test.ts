/**
 * Found by a security review: limits that a stranger can raise must not become a way to keep a
 * person out. One account holder signing in to their own account over and over, from one address,
 * must not take every password-check slot; and failures on someone's email must not stop them,
 * signed in on their own browser, from changing their password.
 */
import { registerAccount } from '../../src/accounts/accounts.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { ALICE, loginFormAt } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', PASSWORD_CHECK_CONCURRENCY: '2', PASSWORD_CHECK_QUEUE: '8' } }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

const loginUrl = (browser: HttpClient) => loginFormAt(stack, browser);
const attempt = async (browser: HttpClient, credentials: { email: string; password: string }): Promise<Reply> => browser.post(await loginUrl(browser), credentials);

it('one address signing in to its own account over and over gets one password check at a time, and everyone else gets through', async () => {
  const mallory = { email: 'mallory@example.com', password: 'mallory-own-password' };
  await registerAccount(stack.idp.storage.accounts, { ...mallory, name: 'Mallory' });
  const victim = HttpClient.at('198.51.100.1');
  expect((await attempt(victim, ALICE)).status).toBe(303);

  // Mallory: one address, three browsers that each signed in once (three device cookies).
  const browsers = Array.from({ length: 3 }, () => HttpClient.at('203.0.113.5'));
  for (const browser of browsers) expect((await attempt(browser, mallory)).status).toBe(303);
  const authUrl = (await new HttpClient().get(`${stack.siteA.url}/login?prompt=login`)).location!;
  let running = true;
  const malloryStatuses: number[] = [];
  const workers = browsers.flatMap((browser) =>
    Array.from({ length: 8 }, async () => {
      while (running) {
        const page = await browser.get(authUrl);
        malloryStatuses.push((await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(page.location!)}/login`, mallory)).status);
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const victimStatuses: number[] = [];
  for (let n = 0; n < 20; n += 1) victimStatuses.push((await attempt(victim, ALICE)).status);
  running = false;
  await Promise.all(workers);

  expect(malloryStatuses.length).toBeGreaterThan(0);
  expect(victimStatuses.filter((status) => status === 303).length).toBeGreaterThanOrEqual(18);
}, 60_000);

it('never refuses concurrent correct sign-ins of one account from one address: they wait their turn', async () => {
  const office = { email: 'office@example.com', password: 'office-shared-password' };
  await registerAccount(stack.idp.storage.accounts, { ...office, name: 'Office' });
  const pages = await Promise.all(
    Array.from({ length: 16 }, async () => {
      const browser = HttpClient.at('198.51.100.200');
      return { browser, url: await loginUrl(browser) };
    }),
  );
  const replies = await Promise.all(pages.map(({ browser, url }) => browser.post(url, office)));
  expect(replies.map((reply) => reply.status)).toEqual(Array(16).fill(303));
});

it('lets a person signed in on their own browser change their password while strangers fail on their email', async () => {
  const me = { email: 'target@example.com', password: 'my-old-password' };
  await registerAccount(stack.idp.storage.accounts, { ...me, name: 'Target' });
  const browser = HttpClient.at('198.51.100.77');
  await browser.follow(await attempt(browser, me));
  await browser.follow(await browser.get(`${stack.idp.issuer}/account/login`));
  expect((await browser.get(`${stack.idp.issuer}/account`)).body).toContain('target@example.com');

  for (const source of ['203.0.113.1', '203.0.113.2']) {
    const attacker = HttpClient.at(source);
    for (let n = 0; n < 10; n += 1) await attempt(attacker, { email: me.email, password: `guess-${n}` });
  }
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await attempt(HttpClient.at('203.0.113.3'), { email: me.email, password: 'one-more' })).status).toBe(200);
  expect((await attempt(HttpClient.at('203.0.113.4'), { email: me.email, password: 'and-another' })).status).toBe(429);

  const change = await browser.post(`${stack.idp.issuer}/account/password`, { current_password: me.password, new_password: 'my-new-password-1' });
  expect(change.status).toBe(200);
  expect(change.body).toContain('Your password is changed');
});
