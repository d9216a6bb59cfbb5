/**
 * A browser whose cookies for the IdP's host outgrew the 16 KiB header limit (other apps on a
 * shared parent domain, a cookie that keeps growing): what the person sees is the IdP's page
 * saying so, not a blank one, and doing what it says gets them in again.
 */
import type { Browser } from 'playwright-core';
import { MAX_HEADER_BYTES } from '../../src/http/server-limits.js';
import { launchChromium } from '../support/browser.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
let browser: Browser;

beforeAll(async () => {
  [idp, browser] = await Promise.all([startIdp(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await idp?.stop();
});

it('shows the page that the cookies are too large, and the IdP again once they are cleared', async () => {
  const context = await browser.newContext();
  const url = new URL(idp.url);
  // Six cookies of 3,500 bytes: each within what a browser keeps, together past the limit.
  const cookies = Array.from({ length: 6 }, (_, n) => ({ name: `big${n}`, value: 'v'.repeat(3_500), domain: url.hostname, path: '/' }));
  expect(cookies.reduce((sum, cookie) => sum + cookie.value.length, 0)).toBeGreaterThan(MAX_HEADER_BYTES);
  await context.addCookies(cookies);
  const page = await context.newPage();

  const refused = await page.goto(`${idp.url}/.well-known/openid-configuration`);
  expect(refused?.status()).toBe(431);
  expect(refused?.headers()['x-frame-options']).toBe('DENY');
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your browser sent too much');
  await expect(page.locator('main').textContent()).resolves.toContain("Clearing this site's cookies");

  await context.clearCookies();
  const answered = await page.goto(`${idp.url}/.well-known/openid-configuration`);
  expect(answered?.status()).toBe(200);
  await context.close();
});
