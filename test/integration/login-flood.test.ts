/**
 * Issue 8 item 2: a flood of failed sign-ins from many addresses must not take the IdP down or
 * make everyone else wait. Password checks are capped (2 at once, 2 waiting here); the rest are
 * refused at once with 503 and Retry-After. No timing is asserted (benchmarks measure speed):
 * what holds is that the cap is never exceeded, the refusals are immediate answers, and discovery
 * and a real sign-in still work while the flood runs.
 */
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { signInAt } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  const env = { TRUST_PROXY: 'true', PASSWORD_CHECK_CONCURRENCY: '2', PASSWORD_CHECK_QUEUE: '2', LOGIN_ATTEMPTS_PER_PAGE: '1000' };
  stack = await startStack({ idp: await startIdp({ env }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

describe('a flood of failed sign-ins from many addresses', () => {
  it('is answered with 503 and Retry-After beyond the password-check cap, while discovery and real sign-ins keep working', async () => {
    const pages: { jar: HttpClient['jar']; url: string }[] = [];
    for (let n = 0; n < 8; n += 1) {
      const browser = new HttpClient();
      const page = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
      pages.push({ jar: browser.jar, url: `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login` });
    }
    // Each request from its own address, on one of the eight login pages (their cookies included).
    const flood: Promise<Reply>[] = Array.from({ length: 200 }, (_v, n) => {
      const page = pages[n % pages.length]!;
      return new HttpClient(page.jar, { 'x-forwarded-for': `10.0.${n}.1` }).post(page.url, { email: `victim-${n}@example.com`, password: 'wrong-password' });
    });
    const discovery = Array.from({ length: 20 }, () => new HttpClient().get(`${stack.idp.issuer}/.well-known/openid-configuration`));
    const [floodReplies, discoveryReplies] = await Promise.all([Promise.all(flood), Promise.all(discovery)]);

    expect(discoveryReplies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const busy = floodReplies.filter((reply) => reply.status === 503);
    // How many are refused depends on how fast the 200 arrive against the checks' pace (97 of 200
    // on a machine busy with other test runs, more than 100 on a quiet one): a tenth of them
    // refused proves the cap without asserting a speed.
    expect(busy.length).toBeGreaterThanOrEqual(20);
    expect(busy.every((reply) => reply.headers.get('retry-after') === '1' && reply.body.includes('Too many people are signing in right now'))).toBe(true);
    expect(floodReplies.every((reply) => [200, 503].includes(reply.status))).toBe(true);

    const landing = await signInAt(stack, stack.siteA.url);
    expect(landing.body).toContain('Hello');
  });
});
