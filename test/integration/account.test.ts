import { HttpClient, interactionUid } from '../support/http-client.js';
import { ALICE, signedInEverywhere } from '../support/journeys.js';
import { authorize, exchangeCode, pkce } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';
import { deliveriesSettled } from '../support/deliveries.js';

let stack: Stack;
const offlineApp = { id: 'notes-app', secret: 'notes-app-secret-0123456789abcdefghij', redirect: 'http://notes.localhost:9/cb' };
const alice = ALICE;

beforeAll(async () => {
  stack = await startStack();
  await stack.idp.clients.save(
    { client_id: offlineApp.id, client_secret: offlineApp.secret, client_name: 'Notes', redirect_uris: [offlineApp.redirect], grant_types: ['authorization_code', 'refresh_token'] },
    { firstParty: false },
  );
});
afterAll(async () => {
  await stack.stop();
});

const signedInBrowser = () => signedInEverywhere(stack);

async function offlineRefreshToken(browser: HttpClient): Promise<string> {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(browser, {
    issuer: stack.idp.issuer,
    params: { client_id: offlineApp.id, redirect_uri: offlineApp.redirect, response_type: 'code', scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256' },
    credentials: alice,
    consent: 'allow',
  });
  const tokens = await exchangeCode(stack.idp.issuer, offlineApp, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: offlineApp.redirect, code_verifier: verifier });
  return tokens.json.refresh_token as string;
}

const refreshWith = (token: string) => exchangeCode(stack.idp.issuer, offlineApp, { grant_type: 'refresh_token', refresh_token: token });

describe('GET /account', () => {
  it('sends someone who is not signed in through the IdP login, then shows their account', async () => {
    const browser = new HttpClient();
    const loginPage = await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
    expect(loginPage.body).toContain('name="password"');
    const page = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, alice));
    expect(page.url).toBe(`${stack.idp.issuer}/account`);
    expect(page.body).toContain('Alice Liddell');
    expect(page.body).toContain('alice@example.com');
  });

  it('lists this session with its sites and the apps holding grants', async () => {
    const browser = await signedInBrowser();
    await offlineRefreshToken(browser);
    const page = await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
    expect(page.body).toContain('This browser');
    expect(page.body).toMatch(/apps: .*Site A.*Site B|apps: .*Site B.*Site A/);
    expect(page.body).toContain('<strong>Notes</strong>');
    expect(page.body).toContain('(also while you are away)');
    expect(page.body).not.toContain('Your account</strong>');
  });
});

describe('POST /account/sign-out-everywhere', () => {
  it('ends every session of the account, and both sites of each hear of it', async () => {
    const here = await signedInBrowser();
    const elsewhere = await signedInBrowser();
    const page = await here.follow(await here.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {}));
    expect(page.body).toContain('You are signed out everywhere');
    await deliveriesSettled(stack.idp);
    for (const browser of [here, elsewhere]) {
      expect((await browser.follow(await browser.get(`${stack.siteA.url}/`))).body).not.toContain('Hello');
      expect((await browser.follow(await browser.get(`${stack.siteB.url}/`))).body).not.toContain('Hello');
    }
    expect(await stack.idp.storage.modelStore('Session').findByAccountId((await stack.idp.storage.accounts.findByEmail('alice@example.com'))!.id)).toEqual([]);
  });

  it('refuses a request from another origin', async () => {
    const browser = await signedInBrowser();
    const reply = await browser.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {}, { origin: 'http://evil.localhost' });
    expect(reply.status).toBe(403);
    expect((await browser.follow(await browser.get(`${stack.siteA.url}/`))).body).toContain('Hello');
  });

  it('refuses it however the path is spelled: the guard and the route match the same paths', async () => {
    const browser = await signedInBrowser();
    for (const path of ['/ACCOUNT/sign-out-everywhere', '/Account/sign-out-everywhere/', '/account/SIGN-OUT-EVERYWHERE']) {
      const reply = await browser.post(`${stack.idp.issuer}${path}`, {}, { origin: 'http://evil.localhost' });
      expect(reply.status).not.toBe(200);
      expect(reply.status).toBeLessThan(500);
    }
    expect((await browser.follow(await browser.get(`${stack.siteA.url}/`))).body).toContain('Hello');
  });
});

describe('POST /account/apps/:clientId/revoke', () => {
  it('revokes the app’s refresh tokens at once and removes it from the list', async () => {
    const browser = await signedInBrowser();
    const refreshToken = await offlineRefreshToken(browser);
    expect((await refreshWith(refreshToken)).status).toBe(200);
    const second = await offlineRefreshToken(browser);
    const after = await browser.follow(await browser.post(`${stack.idp.issuer}/account/apps/${offlineApp.id}/revoke`, {}));
    expect(after.url).toBe(`${stack.idp.issuer}/account`);
    expect(after.body).not.toContain('<strong>Notes</strong>');
    const refused = await refreshWith(second);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid_grant');
  });

  it('signs the person out of a revoked site through back-channel logout', async () => {
    const browser = await signedInBrowser();
    await browser.follow(await browser.post(`${stack.idp.issuer}/account/apps/${stack.siteA.config.clientId}/revoke`, {}));
    await deliveriesSettled(stack.idp);
    // site-a's session is gone; being first-party, it may sign the person in again silently.
    expect(await stack.siteA.app.sessions.size()).toBe(0);
  });
});
