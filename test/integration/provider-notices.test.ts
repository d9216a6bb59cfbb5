import { jest } from '@jest/globals';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startStack } from '../support/stack.js';

/**
 * oidc-provider prints "default <name> function called, you SHOULD/MUST change it" the first time
 * a default it wants replaced runs. Starting the IdP and a whole sign-in must print none.
 */
describe('oidc-provider defaults', () => {
  it('prints no "default ... function called" notice while starting and signing in', async () => {
    const printed: string[] = [];
    const capture = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    };
    const spies = [jest.spyOn(console, 'info').mockImplementation(capture), jest.spyOn(console, 'warn').mockImplementation(capture), jest.spyOn(console, 'log').mockImplementation(capture)];
    const stack = await startStack();
    try {
      const browser = new HttpClient();
      const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
      await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, { email: 'alice@example.com', password: 'wonderland' }));
      await browser.follow(await browser.get(`${stack.siteB.url}/`));
      await browser.get(`${stack.idp.issuer}/auth?client_id=unknown`); // error page
      await browser.follow(await browser.get(`${stack.idp.issuer}/session/end`)); // logout page
      await fetchLoopback(`${stack.idp.issuer}/me`, { method: 'OPTIONS', headers: { origin: stack.siteA.url, 'access-control-request-method': 'GET' } });
      const withToken = await browser.follow(await browser.get(`${stack.siteA.url}/`));
      expect(withToken.body).toContain('Hello, Alice Liddell'); // the flow really ran
    } finally {
      await stack.stop();
      for (const spy of spies) spy.mockRestore();
    }
    expect(printed.filter((line) => /oidc-provider (NOTICE|WARNING)/.test(line) && !/Unsupported runtime/.test(line))).toEqual([]);
  });
});
