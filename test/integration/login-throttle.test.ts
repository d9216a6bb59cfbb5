import { HttpClient, interactionUid } from '../support/http-client.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ env: { LOGIN_MAX_FAILURES: '3' } }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

async function attempt(email: string, password: string) {
  const browser = new HttpClient();
  const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
  return browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, { email, password });
}

describe('repeated failed sign-ins', () => {
  it('lock an email after the limit, even with the right password, with a 429 page', async () => {
    for (let i = 0; i < 3; i += 1) expect((await attempt('bob@example.com', 'wrong')).body).toContain('Email or password is incorrect.');
    const locked = await attempt('bob@example.com', 'builder');
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Too many failed attempts');
    expect(locked.location).toBeUndefined();
  });

  it('lock an unknown email exactly the same way, so the lock reveals nothing', async () => {
    for (let i = 0; i < 3; i += 1) await attempt('nobody@example.com', 'wrong');
    const locked = await attempt('NOBODY@example.com', 'whatever');
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Too many failed attempts');
  });

  it('cannot be slipped past with a burst of concurrent guesses', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const url = `${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`;
    const replies = await Promise.all(Array.from({ length: 12 }, (_v, n) => browser.post(url, { email: 'carol-burst@example.com', password: `guess-${n}` })));
    expect(replies.filter((reply) => reply.status !== 429)).toHaveLength(3);
  });

  it('are forgotten after a successful sign-in', async () => {
    for (let i = 0; i < 2; i += 1) await attempt('alice@example.com', 'wrong');
    expect((await attempt('alice@example.com', 'wonderland')).location).toBeDefined();
    for (let i = 0; i < 2; i += 1) await attempt('alice@example.com', 'wrong');
    expect((await attempt('alice@example.com', 'wonderland')).location).toBeDefined();
  });
});
