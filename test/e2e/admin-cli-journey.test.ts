/**
 * The issue's journey, end to end with real processes and a real browser: `npm start`'s demo on
 * the in-memory store; in a "second terminal", the admin binary (over the Management API, with the
 * credentials the demo printed) registers a new site and a new person; the person signs in at that
 * site in headless Chromium (consent page: the site is not first-party); removing the site with
 * the admin binary ends its tokens.
 */
import http from 'node:http';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { admin, jsonOf, startDemo } from '../support/demo.js';
import { fetchLoopback, pkce } from '../support/oidc-flow.js';
import { reservePort } from '../support/stack.js';
import type { Running } from '../support/spawn.js';

let demo: Running;
let exported: Record<string, string>;
let issuer: string;
let browser: Browser;
/** Site C: nothing but a callback that records what the browser brought back. */
let siteC: http.Server;
let siteCUrl: string;
const callbacks: URL[] = [];

beforeAll(async () => {
  const reserved = await reservePort();
  await reserved.close();
  siteCUrl = `http://site-c.localhost:${reserved.port}`;
  siteC = http.createServer((request, response) => {
    callbacks.push(new URL(request.url!, siteCUrl));
    response.end('Site C got the callback');
  });
  await new Promise<void>((resolve) => siteC.listen(reserved.port, '127.0.0.1', resolve));
  [{ demo, exported, issuer }, browser] = await Promise.all([startDemo(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  siteC?.close();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

it('registers Site C and Dora from a second terminal; Dora signs in there with consent; removing Site C ends its tokens', async () => {
  const added = await admin(['clients', 'add', '--name', 'Site C', '--redirect-uri', `${siteCUrl}/callback`, '--json'], exported);
  expect(added.code === 0 ? 'exit 0' : added.output).toBe('exit 0');
  const [site] = jsonOf<{ client_id: string; client_secret: string; first_party: boolean }[]>(added.output);
  expect(site!.first_party).toBe(false);

  const dora = await admin(['users', 'add', '--email', 'dora@example.com', '--name', 'Dora Explorer', '--verified', '--json'], exported, 'map-and-backpack\n');
  expect(dora.code === 0 ? 'exit 0' : dora.output).toBe('exit 0');

  const { verifier, challenge } = pkce();
  const redirectUri = `${siteCUrl}/callback`;
  const authorize = new URL(`${issuer}/auth`);
  for (const [name, value] of Object.entries({ client_id: site!.client_id, response_type: 'code', scope: 'openid email profile', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'journey-state', nonce: 'journey-nonce' })) {
    authorize.searchParams.set(name, value);
  }
  const page = await (await browser.newContext()).newPage();
  await page.goto(authorize.href);
  await page.getByLabel('Email').fill('dora@example.com');
  await page.getByLabel('Password').fill('map-and-backpack');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // A site an admin did not make first-party asks the person first.
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${redirectUri}?**`);
  // The browser may ask Site C for more (its favicon): the callback is the one at /callback.
  const callback = callbacks.filter((url) => url.pathname === '/callback').at(-1)!;
  expect(callback.searchParams.get('state')).toBe('journey-state');

  const tokenReply = await fetchLoopback(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(site!.client_id, site!.client_secret) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  expect(tokenReply.status).toBe(200);
  const { access_token: accessToken } = (await tokenReply.json()) as { access_token: string };
  const userinfo = () => fetchLoopback(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  const before = await userinfo();
  expect(before.status).toBe(200);
  expect(await before.json()).toMatchObject({ email: 'dora@example.com', name: 'Dora Explorer' });

  const removed = await admin(['clients', 'remove', site!.client_id, '--json'], exported);
  expect(removed.code === 0 ? 'exit 0' : removed.output).toBe('exit 0');
  expect((await userinfo()).status).toBe(401);
}, 120_000);
