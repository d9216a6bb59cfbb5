/**
 * Sign-ins step by step against a stack, for the second-factor tests (authenticator app,
 * recovery codes, passkeys): a fresh person, the account page, the password step at a first-party
 * test app, and the ID token at the end.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { hashPassword } from '../../src/accounts/passwords.js';
import { HttpClient, interactionUid, type Reply } from './http-client.js';
import { exchangeCode, pkce } from './oidc-flow.js';
import type { Stack } from './stack.js';

export interface Person {
  id: string;
  email: string;
  password: string;
}

export interface TestApp {
  id: string;
  secret: string;
  redirect: string;
}

export function signInSteps(stack: () => Stack, app: TestApp) {
  const issuer = () => stack().idp.issuer;
  const isCallback = (url: string) => url.startsWith(app.redirect);

  /** Starts a sign-in at the test app: the login page, its uid and the PKCE verifier. */
  async function loginPage(browser = new HttpClient(), extra: Record<string, string> = {}): Promise<{ browser: HttpClient; uid: string; page: Reply; verifier: string }> {
    const { verifier, challenge } = pkce();
    const params = { client_id: app.id, redirect_uri: app.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: randomUUID(), ...extra };
    const page = await browser.follow(await browser.get(`${issuer()}/auth?${new URLSearchParams(params)}`), isCallback);
    return { browser, uid: interactionUid(page.url), page, verifier };
  }

  return {
    issuer,
    isCallback,
    loginPage,

    /** Registers the test app as first party (no consent page). */
    async registerApp(): Promise<void> {
      await stack().idp.clients.save(
        { client_id: app.id, client_secret: app.secret, client_name: 'Second-factor test app', redirect_uris: [app.redirect], grant_types: ['authorization_code'] },
        { firstParty: true },
      );
    },

    async newPerson(): Promise<Person> {
      const email = `p-${randomUUID()}@example.com`;
      const password = 'correct-horse-battery';
      const account = await stack().idp.storage.accounts.create({ email, name: 'Pat', emailVerified: true, passwordHash: await hashPassword(password) });
      return { id: account.id, email, password };
    },

    /** Signs in to the account page with the password only (an account without second factors). */
    async accountPage(person: Person, browser = new HttpClient()): Promise<HttpClient> {
      const login = await browser.follow(await browser.get(`${issuer()}/account`));
      const page = await browser.follow(await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: person.email, password: person.password }));
      expect(page.url).toBe(`${issuer()}/account`);
      return browser;
    },

    /** Starts a sign-in at the test app and gets past the password; returns the reply to the password post. */
    async passwordStep(person: Person, browser = new HttpClient(), extra: Record<string, string> = {}): Promise<{ browser: HttpClient; uid: string; reply: Reply; verifier: string }> {
      const { uid, verifier } = await loginPage(browser, extra);
      const reply = await browser.post(`${issuer()}/interaction/${uid}/login`, { email: person.email, password: person.password });
      return { browser, uid, reply, verifier };
    },

    /** Follows the sign-in back to the app, redeems the code, and returns the ID token's claims. */
    async idTokenAfter(reply: Reply, browser: HttpClient, verifier: string) {
      const end = await browser.follow(reply, isCallback);
      expect(end.location && isCallback(end.location)).toBe(true);
      const code = new URL(end.location!).searchParams.get('code')!;
      const tokens = await exchangeCode(issuer(), app, { grant_type: 'authorization_code', code, redirect_uri: app.redirect, code_verifier: verifier });
      expect(tokens.status).toBe(200);
      return decodeJwt(String(tokens.json.id_token));
    },
  };
}
