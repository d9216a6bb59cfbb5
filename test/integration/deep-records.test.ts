/**
 * A record nested thousands deep must read back like any other. An attacker can plant one: the
 * claims parameter reaches the stored interaction as it was sent (oidc-provider keeps the
 * requested `sub` claim in the login prompt's details when its value doesn't match), and a
 * signed-in person's interaction is filed under their account (oidc/adapter.ts). A review of the
 * memory store's kept parses (storage/memory/parsed-payloads.ts) found that such a record made
 * every read of the person's interactions overflow the stack, so "sign out everywhere" answered
 * 500 and left their sessions and grants in place.
 */
import { hashPassword } from '../../src/accounts/passwords.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { pkce } from '../support/oidc-flow.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

const storage = createMemoryStorage();
let idp: RunningIdp;
const app = { id: 'claims-app', secret: 'claims-app-secret-0123456789abcdefghij', redirect: 'http://claims.localhost:9/cb' };

beforeAll(async () => {
  idp = await startIdp({ storage });
  await idp.clients.save({ client_id: app.id, client_secret: app.secret, redirect_uris: [app.redirect], grant_types: ['authorization_code'] }, { firstParty: true });
});
afterAll(async () => {
  await idp.stop();
});

it('a signed-in person who followed a link with a claims request nested 3,000 deep can still sign out everywhere', async () => {
  const person = { email: 'victim@example.com', password: 'victim-password-123' };
  const account = await storage.accounts.create({ email: person.email, name: 'Victim', emailVerified: true, passwordHash: await hashPassword(person.password) });
  const { challenge } = pkce();
  const params = { client_id: app.id, redirect_uri: app.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n' };
  const toApp = (url: string) => url.startsWith(app.redirect);
  const browser = new HttpClient();
  const login = await browser.follow(await browser.get(`${idp.issuer}/auth?${new URLSearchParams(params)}`), toApp);
  const signedIn = await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(login.url)}/login`, person), toApp);
  expect(signedIn.location?.startsWith(app.redirect)).toBe(true);

  // The attacker's link: brackets unencoded, as a browser sends them; 6 KB, within the header limit.
  const depth = 3_000;
  const claims = `${encodeURIComponent('{"id_token":{"sub":{"value":"not-you","x":')}${'['.repeat(depth)}${']'.repeat(depth)}${encodeURIComponent('}}}')}`;
  await browser.follow(await browser.get(`${idp.issuer}/auth?${new URLSearchParams(params)}&claims=${claims}`));
  const planted = await storage.modelStore('Interaction').findByAccountId(account.id);
  expect(JSON.stringify(planted)).toContain('['.repeat(depth));

  await browser.follow(await browser.get(`${idp.issuer}/account`));
  const ended = await browser.post(`${idp.issuer}/account/sign-out-everywhere`, {});
  expect(ended.status).toBe(200);
  expect(ended.body).toContain('Sign-in sessions ended: 1');
  expect(await storage.modelStore('Session').findByAccountId(account.id)).toEqual([]);
  expect(await storage.modelStore('Grant').findByAccountId(account.id)).toEqual([]);
});
