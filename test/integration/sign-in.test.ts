import { HttpClient, interactionUid } from '../support/http-client.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

describe('sign in at site-a', () => {
  it('greets Alice by name after she signs in at the IdP', async () => {
    const browser = new HttpClient();
    const start = await browser.get(`${stack.siteA.url}/login`);
    const loginPage = await browser.follow(start);
    expect(loginPage.body).toContain('Sign in');
    const uid = interactionUid(loginPage.url);
    const submitted = await browser.post(`${stack.idp.issuer}/interaction/${uid}/login`, { email: 'alice@example.com', password: 'wonderland' });
    const home = await browser.follow(submitted);
    expect(home.url).toBe(`${stack.siteA.url}/`);
    expect(home.body).toContain('Hello, Alice Liddell');
  });
});
