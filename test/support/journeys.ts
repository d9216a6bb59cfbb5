/** The person-level steps many tests share: signing in at a site through the IdP's login page. */
import { HttpClient, interactionUid, parseForm, type Reply } from './http-client.js';
import type { Stack } from './stack.js';

export const ALICE = { email: 'alice@example.com', password: 'wonderland' };
export const BOB = { email: 'bob@example.com', password: 'builder' };

/** "Sign in" at a site, credentials on the IdP's login page; returns the page the browser lands on. */
export async function signInAt(stack: Stack, siteUrl: string, browser = new HttpClient(), credentials = ALICE): Promise<Reply> {
  const loginPage = await browser.follow(await browser.get(`${siteUrl}/login`));
  return browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(loginPage.url)}/login`, credentials));
}

/** Opens a fresh login page from site-a (prompt=login); returns where its password form posts. */
export async function loginFormAt(stack: Stack, browser: HttpClient): Promise<string> {
  const page = await browser.follow(await browser.get(`${stack.siteA.url}/login?prompt=login`));
  return `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login`;
}

/** Signed in at site-a, then recognized at site-b: one IdP session, two sites. */
export async function signedInEverywhere(stack: Stack, credentials = ALICE): Promise<HttpClient> {
  const browser = new HttpClient();
  await signInAt(stack, stack.siteA.url, browser, credentials);
  const siteB = await browser.follow(await browser.get(`${stack.siteB.url}/`));
  if (!siteB.body.includes('Hello')) throw new Error('single sign-on at site-b did not happen');
  return browser;
}

/** Presses "Sign out" on a site and "Yes, sign me out" on the IdP's confirmation page. */
export async function signOutAt(browser: HttpClient, siteUrl: string): Promise<Reply> {
  const confirmation = await browser.follow(await browser.post(`${siteUrl}/logout`, {}));
  if (!confirmation.body.includes('Sign out?')) throw new Error(`no sign-out confirmation after ${siteUrl}/logout`);
  const { action, fields } = parseForm(confirmation.body);
  return browser.follow(await browser.post(new URL(action, confirmation.url).href, { ...fields, logout: 'yes' }));
}
