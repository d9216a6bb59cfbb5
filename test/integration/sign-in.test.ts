import { HttpClient, interactionUid } from '../support/http-client.js';
import { ALICE, BOB, signInAt } from '../support/journeys.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

const alice = ALICE;
const bob = BOB;
const signInAtSiteA = (browser: HttpClient, credentials = alice) => signInAt(stack, stack.siteA.url, browser, credentials);

describe('single sign-on across site-a and site-b', () => {
  it('site-a greets Alice by name and shows her claims after she signs in at the IdP', async () => {
    const home = await signInAtSiteA(new HttpClient());
    expect(home.url).toBe(`${stack.siteA.url}/`);
    expect(home.body).toContain('Hello, Alice Liddell');
    expect(home.body).toContain('alice@example.com');
    expect(home.body).toContain('email_verified');
  });

  it('site-b recognizes Alice on the first visit without any form (silent prompt=none)', async () => {
    const browser = new HttpClient();
    await signInAtSiteA(browser);
    const visited: string[] = [];
    let reply = await browser.get(`${stack.siteB.url}/`);
    while (reply.location) {
      visited.push(reply.location);
      reply = await browser.get(reply.location);
    }
    expect(visited.some((url) => url.includes('prompt=none'))).toBe(true);
    expect(visited.some((url) => url.includes('/interaction/'))).toBe(false);
    expect(reply.url).toBe(`${stack.siteB.url}/`);
    expect(reply.body).toContain('Hello, Alice Liddell');
  });

  it('site-a recognizes someone who signed in at site-b first', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.siteB.url}/login`));
    await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, bob));
    const home = await browser.follow(await browser.get(`${stack.siteA.url}/`));
    expect(home.body).toContain('Hello, Bob Builder');
  });

  it('site-b shows a "Sign in" button, not an error, when the IdP has no session', async () => {
    const browser = new HttpClient();
    const home = await browser.follow(await browser.get(`${stack.siteB.url}/`));
    expect(home.url).toBe(`${stack.siteB.url}/`);
    expect(home.status).toBe(200);
    expect(home.body).toContain('href="/login"');
    expect(home.body).not.toContain('Hello');
  });

  it('keeps site-a and site-b cookies on their own hosts', async () => {
    const browser = new HttpClient();
    await signInAtSiteA(browser);
    await browser.follow(await browser.get(`${stack.siteB.url}/`));
    expect(await browser.cookies(`${stack.siteA.url}/`)).toContain('site_a_session');
    expect(await browser.cookies(`${stack.siteA.url}/`)).not.toContain('site_b_session');
    expect(await browser.cookies(`${stack.siteB.url}/`)).toContain('site_b_session');
    expect(await browser.cookies(`${stack.siteB.url}/`)).not.toContain('site_a_session');
  });
});

describe('POST /interaction/:uid/login', () => {
  it('re-renders the login page with one generic message and starts no session on a wrong password', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const reply = await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, { ...alice, password: 'not-her-password' });
    expect(reply.location).toBeUndefined();
    expect(reply.body).toContain('Email or password is incorrect.');
    expect(reply.body).toContain('value="alice@example.com"');
    expect(await browser.cookies(`${stack.idp.issuer}/`)).not.toContain('_session');
  });

  it('answers an unknown email with exactly the same page as a wrong password', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const uid = interactionUid(loginPage.url);
    const unknown = await browser.post(`${stack.idp.issuer}/interaction/${uid}/login`, { email: 'nobody@example.com', password: 'wonderland' });
    const wrong = await browser.post(`${stack.idp.issuer}/interaction/${uid}/login`, { email: 'nobody@example.com', password: 'other-password' });
    expect(unknown.status).toBe(wrong.status);
    // Each page carries a fresh passkey challenge, the one difference allowed.
    const sameButChallenge = (body: string) => body.replace(/(challenge&quot;:&quot;)[\w-]+/, '$1…');
    expect(sameButChallenge(unknown.body)).toBe(sameButChallenge(wrong.body));
    expect(unknown.body).not.toBe(sameButChallenge(unknown.body));
  });

  it('refuses a login form posted from another origin', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const reply = await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, alice, { origin: 'http://evil.localhost' });
    expect(reply.status).toBe(403);
    expect(reply.location).toBeUndefined();
  });

  it('shows an error page for a forged interaction uid', async () => {
    const browser = new HttpClient();
    const reply = await browser.get(`${stack.idp.issuer}/interaction/forged-uid`);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('Your sign-in took too long');
    expect(reply.body).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('switching accounts', () => {
  it('offers "Continue as Alice" and lets her switch to Bob with prompt=select_account', async () => {
    const browser = new HttpClient();
    await signInAtSiteA(browser);
    const chooser = await browser.follow(await browser.get(`${stack.siteA.url}/login?prompt=select_account`));
    expect(chooser.body).toContain('Continue as Alice Liddell');
    expect(chooser.body).toContain('Use another account');
    const uid = interactionUid(chooser.url);
    const loginPage = await browser.get(`${stack.idp.issuer}/interaction/${uid}/login`);
    expect(loginPage.body).toContain('name="password"');
    const home = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${uid}/login`, bob));
    expect(home.body).toContain('Hello, Bob Builder');
  });

  it('continues as the current account without asking for a password', async () => {
    const browser = new HttpClient();
    await signInAtSiteA(browser);
    const chooser = await browser.follow(await browser.get(`${stack.siteA.url}/login?prompt=select_account`));
    const home = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(chooser.url)}/continue`, {}));
    expect(home.body).toContain('Hello, Alice Liddell');
  });
});
