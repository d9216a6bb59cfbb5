import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { deliveriesSettled } from '../support/deliveries.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  context = await browser.newContext();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Every URL in a tab's back/forward history, read through the DevTools protocol. */
async function historyOf(page: Page): Promise<string[]> {
  const cdp = await context.newCDPSession(page);
  const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: { url: string }[] };
  return entries.map((entry) => entry.url);
}

const TOKEN_IN_URL = /[?&#](code|access_token|id_token|refresh_token|token)=/;

describe('single sign-on in a real browser', () => {
  let siteATab: Page;
  let siteBTab: Page;

  it('signs Alice in at site-a through the IdP login page', async () => {
    siteATab = await context.newPage();
    await siteATab.goto(stack.siteA.url);
    // No IdP session yet: the silent check comes back and site-a offers a button.
    await siteATab.getByRole('link', { name: 'Sign in' }).click();
    await siteATab.waitForURL(`${stack.idp.issuer}/interaction/**`);
    await siteATab.getByLabel('Email').fill('alice@example.com');
    await siteATab.getByLabel('Password').fill('wonderland');
    await siteATab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await siteATab.waitForURL(`${stack.siteA.url}/`);
    await expect(siteATab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Hello, Alice Liddell');
  });

  it('recognizes Alice at site-b with no password and no click', async () => {
    siteBTab = await context.newPage();
    await siteBTab.goto(stack.siteB.url);
    await siteBTab.waitForURL(`${stack.siteB.url}/`);
    await expect(siteBTab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Hello, Alice Liddell');
    expect(await siteBTab.getByLabel('Password').count()).toBe(0);
  });

  it('keeps each site’s cookies on its own host', async () => {
    const cookies = await context.cookies();
    const hostOf = (name: string) => cookies.filter((c) => c.name === name).map((c) => c.domain);
    expect(hostOf('site_a_session')).toEqual(['site-a.localhost']);
    expect(hostOf('site_b_session')).toEqual(['site-b.localhost']);
    expect(hostOf('_session')).toEqual(['idp.localhost']);
    for (const cookie of cookies) expect(cookie.httpOnly).toBe(true);
  });

  it('leaves no token or code in any URL of the browser history', async () => {
    const urls = [...(await historyOf(siteATab)), ...(await historyOf(siteBTab))];
    expect(urls.length).toBeGreaterThan(1);
    for (const url of urls) expect(url).not.toMatch(TOKEN_IN_URL);
  });

  it('signs out at site-b, and site-a is signed out on its next request', async () => {
    await siteBTab.getByRole('button', { name: 'Sign out' }).click();
    await siteBTab.waitForURL(`${stack.idp.issuer}/session/end**`);
    await siteBTab.getByRole('button', { name: 'Yes, sign me out' }).click();
    await siteBTab.waitForURL(`${stack.siteB.url}/signed-out`);
    // Site-a hears of it by back-channel logout, which the IdP sends after the sign-out page, not
    // before it: under load the reload below could come first (a CI run saw it).
    const settled = await deliveriesSettled(stack.idp);
    expect(settled.filter((delivery) => delivery.clientId === stack.siteA.config.clientId).map((delivery) => delivery.state)).toContain('delivered');
    await siteATab.reload();
    await siteATab.waitForURL(`${stack.siteA.url}/`);
    await expect(siteATab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Welcome to Site A');
  });

  it('asks for a password again at the IdP', async () => {
    await siteATab.getByRole('link', { name: 'Sign in' }).click();
    await siteATab.waitForURL(`${stack.idp.issuer}/interaction/**`);
    expect(await siteATab.getByLabel('Password').count()).toBe(1);
  });
});
