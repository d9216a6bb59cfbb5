/**
 * The sample sites' own state across restarts and processes (issue 8, item 5): site-b's deny-list
 * and logout-token replay cache, site-a's sessions. A "restart" gives the site's listening server
 * a new app built from the same config (same URL, same cookie secret), with a fresh in-memory
 * state, the same state object, or a new connection to the same MongoDB database.
 */
import { randomBytes } from 'node:crypto';
import { createSiteA } from '../../clients/site-a/app.js';
import type { SiteAConfig } from '../../clients/site-a/config.js';
import { createMemorySiteAState, openSiteAState, type SiteAState } from '../../clients/site-a/state.js';
import { createSiteB } from '../../clients/site-b/app.js';
import type { SiteBConfig } from '../../clients/site-b/config.js';
import { createMemorySiteBState, openSiteBState, type SiteBState } from '../../clients/site-b/state.js';
import { connectSiteMongo } from '../../clients/shared/state/mongo-connection.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { HttpClient, type Reply } from '../support/http-client.js';
import { BOB, signedInEverywhere, signOutAt } from '../support/journeys.js';
import { logoutClaims, postLogoutToken, signLogoutToken } from '../support/logout-tokens.js';
import { reservePort, startStack, type Stack } from '../support/stack.js';
import { deliveriesSettled } from '../support/deliveries.js';
import * as restartSite from '../support/restart-site.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

const fetch = createLoopbackFetch();

/** Stops the site's current app and starts a new one on the same server. */
const restartSiteB = (state?: SiteBState) => restartSite.b(stack, { fetch, state });
const restartSiteA = (state?: SiteAState) => restartSite.a(stack, { fetch, state });

/** A browser that has nothing but this one cookie (no IdP session to fall back on). */
async function onlyCookie(url: string, name: string, value: string): Promise<Reply> {
  const stranger = new HttpClient();
  await stranger.jar.setCookie(`${name}=${value}`, `${url}/`);
  return stranger.get(`${url}/`);
}

const cookieOf = async (browser: HttpClient, url: string, name: string) => (await browser.jar.getCookies(`${url}/`)).find((c) => c.key === name)?.value;

/** Ways to keep a site's state across a restart: the same object in one process, or MongoDB when MONGODB_URI is set. */
interface Keeper {
  name: string;
  siteB(config: SiteBConfig): Promise<SiteBState>;
  siteA(config: SiteAConfig): Promise<SiteAState>;
}

function keepers(): Keeper[] {
  const sharedB = new Map<string, SiteBState>();
  const sharedA = new Map<string, SiteAState>();
  const list: Keeper[] = [
    {
      name: 'the same in-memory state object',
      siteB: async (config) => sharedB.get(config.clientId) ?? sharedB.set(config.clientId, createMemorySiteBState(config)).get(config.clientId)!,
      siteA: async (config) => sharedA.get(config.clientId) ?? sharedA.set(config.clientId, createMemorySiteAState(config)).get(config.clientId)!,
    },
  ];
  const uri = process.env.MONGODB_URI;
  if (uri) {
    const dbName = `site_state_${randomBytes(6).toString('hex')}`;
    const opened: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(state: T) => (opened.push(state), state);
    list.push({
      name: 'MongoDB (a new connection per start)',
      siteB: async (config) => track(await openSiteBState({ ...config, mongodbUri: uri }, { dbName })),
      siteA: async (config) => track(await openSiteAState({ ...config, mongodbUri: uri }, { dbName })),
    });
    afterAll(async () => {
      await Promise.all(opened.map((state) => state.close()));
      const cleaner = await connectSiteMongo(uri, { dbName });
      await cleaner.dropDatabase();
      await cleaner.close();
    });
  }
  return list;
}

describe('site-b restarted with in-memory state (nothing to restore)', () => {
  it('refuses a cookie signed out before the restart, and signs in again silently only those still signed in at the IdP', async () => {
    restartSiteB(); // a fresh start, so this test does not depend on the others
    const alice = await signedInEverywhere(stack);
    const bob = await signedInEverywhere(stack, BOB);
    const aliceCookie = (await cookieOf(alice, stack.siteB.url, 'site_b_session'))!;
    const bobCookie = (await cookieOf(bob, stack.siteB.url, 'site_b_session'))!;
    await signOutAt(alice, stack.siteA.url); // back-channel logout puts Alice's sid on site-b's list
    await deliveriesSettled(stack.idp);

    restartSiteB();

    // Alice's signed-out cookie still verifies (same secret), but is refused: sent to sign in.
    expect((await onlyCookie(stack.siteB.url, 'site_b_session', aliceCookie)).status).toBe(302);
    expect((await alice.follow(await alice.get(`${stack.siteB.url}/`))).body).not.toContain('Hello');
    // Bob's cookie predates the start too, so it is refused; his IdP session signs him in again.
    expect((await onlyCookie(stack.siteB.url, 'site_b_session', bobCookie)).status).toBe(302);
    const again = await bob.follow(await bob.get(`${stack.siteB.url}/`));
    expect(again.body).toContain('Hello');
    const renewed = await cookieOf(bob, stack.siteB.url, 'site_b_session');
    expect(renewed).not.toBe(bobCookie);
    expect((await onlyCookie(stack.siteB.url, 'site_b_session', renewed!)).status).toBe(200);
  });
});

describe.each(keepers())('site state kept across a restart: $name', (keeper) => {
  it('site-b still refuses a cookie signed out before the restart, and keeps every other cookie', async () => {
    restartSiteB(await keeper.siteB(stack.siteB.config));
    const alice = await signedInEverywhere(stack);
    const bob = await signedInEverywhere(stack, BOB);
    const aliceCookie = (await cookieOf(alice, stack.siteB.url, 'site_b_session'))!;
    const bobCookie = (await cookieOf(bob, stack.siteB.url, 'site_b_session'))!;
    await signOutAt(alice, stack.siteA.url);
    // The IdP sends back-channel logouts just after the sign-out page (logout-delivery/).
    await deliveriesSettled(stack.idp);

    restartSiteB(await keeper.siteB(stack.siteB.config));

    expect((await onlyCookie(stack.siteB.url, 'site_b_session', aliceCookie)).status).toBe(302);
    const kept = await onlyCookie(stack.siteB.url, 'site_b_session', bobCookie);
    expect(kept.status).toBe(200);
    expect(kept.body).toContain('Hello');
  });

  it('site-b refuses a logout token replayed at another instance, and lets one of two concurrent deliveries through', async () => {
    restartSiteB(await keeper.siteB(stack.siteB.config));
    // A second process of site-b, at its own address, sharing the state.
    const secondServer = await reservePort();
    const second = createSiteB(stack.siteB.config, { fetch, state: await keeper.siteB(stack.siteB.config) });
    secondServer.server.on('request', second.app.callback());
    const secondUrl = `http://127.0.0.1:${secondServer.port}`;
    try {
      const audience = stack.siteB.config.clientId;
      const token = await signLogoutToken(stack.idp, logoutClaims(stack.idp, audience));
      expect((await postLogoutToken(stack.siteB.url, token)).status).toBe(200);
      const replay = await postLogoutToken(secondUrl, token);
      expect(replay.status).toBe(400);
      expect(replay.body).toMatch(/already used/);

      const raced = await signLogoutToken(stack.idp, logoutClaims(stack.idp, audience));
      const answers = await Promise.all([stack.siteB.url, secondUrl, stack.siteB.url, secondUrl].map((url) => postLogoutToken(url, raced)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400]);
    } finally {
      await secondServer.close();
    }
  });

  it('site-a keeps its sessions: a signed-in person is recognized at once after the restart', async () => {
    restartSiteA(await keeper.siteA(stack.siteA.config));
    const alice = await signedInEverywhere(stack);
    const aliceCookie = (await cookieOf(alice, stack.siteA.url, 'site_a_session'))!;

    restartSiteA(await keeper.siteA(stack.siteA.config));

    const page = await onlyCookie(stack.siteA.url, 'site_a_session', aliceCookie);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello');
  });
});

describe('a site configured for MongoDB', () => {
  it('refuses to start with in-memory state instead, which would silently share nothing', () => {
    expect(() => createSiteB({ ...stack.siteB.config, mongodbUri: 'mongodb://db.internal/site_b' }, { fetch })).toThrow(/SITE_B_MONGODB_URI is set/);
    expect(() => createSiteA({ ...stack.siteA.config, mongodbUri: 'mongodb://db.internal/site_a' }, { fetch })).toThrow(/SITE_A_MONGODB_URI is set/);
  });
});

describe('site-a restarted with in-memory state', () => {
  it('has lost its sessions, so a person still signed in at the IdP is signed in again silently', async () => {
    restartSiteA(createMemorySiteAState(stack.siteA.config));
    const alice = await signedInEverywhere(stack);
    const aliceCookie = (await cookieOf(alice, stack.siteA.url, 'site_a_session'))!;

    restartSiteA();

    expect((await onlyCookie(stack.siteA.url, 'site_a_session', aliceCookie)).status).toBe(302);
    expect((await alice.follow(await alice.get(`${stack.siteA.url}/`))).body).toContain('Hello');
  });
});
