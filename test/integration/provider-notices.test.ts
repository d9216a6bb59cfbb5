import { jest } from '@jest/globals';
import { addClientApp } from '../../src/client-apps/client-apps.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startStack } from '../support/stack.js';

/**
 * oidc-provider prints "default <name> function called, you SHOULD/MUST change it" the first time
 * a default it wants replaced runs. Starting the IdP, a whole sign-in and a client_credentials
 * token must print none.
 */
describe('oidc-provider defaults', () => {
  it('prints no "default ... function called" notice while starting, signing in and issuing client_credentials tokens', async () => {
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
      const { metadata: machine } = await addClientApp(stack.idp, { name: 'Status checker', grants: ['client_credentials'] });
      await stack.idp.apiAccess.setGrant(machine.client_id, { resource: stack.siteB.config.apiResource, scopes: ['api:status'] });
      const token = await fetchLoopback(`${stack.idp.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${machine.client_id}:${machine.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: stack.siteB.config.apiResource, scope: 'api:status' }).toString(),
      });
      expect(token.status).toBe(200); // ClientCredentials has a lifetime of ours, not oidc-provider's default
    } finally {
      await stack.stop();
      for (const spy of spies) spy.mockRestore();
    }
    expect(printed.filter((line) => /oidc-provider (NOTICE|WARNING)/.test(line) && !/Unsupported runtime/.test(line))).toEqual([]);
  });
});
