/**
 * Issue 8 item 8: what a stranger can make the IdP store is bounded. Starting sign-in pages is
 * limited per address, the in-memory store caps unauthenticated interactions, and registration is
 * limited per address too.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { HttpClient } from '../support/http-client.js';
import { fetchLoopback, pkce } from '../support/oidc-flow.js';
import { signInAt } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function authorizeUrl(stack: Stack): string {
  return `${stack.idp.issuer}/auth?${new URLSearchParams({
    client_id: stack.siteA.config.clientId,
    redirect_uri: `${stack.siteA.url}/callback`,
    response_type: 'code',
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    state: 's'.repeat(200),
  })}`;
}

/** `count` GETs with no cookies at all, `parallel` at a time; the statuses that came back. */
async function flood(url: string, count: number, parallel: number, headers: (n: number) => Record<string, string> = () => ({})): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const n = (next += 1);
        const response = await fetchLoopback(url, { redirect: 'manual', headers: headers(n) });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

describe('starting sign-in pages from one address', () => {
  let stack: Stack;
  let signedIn: HttpClient;
  beforeAll(async () => {
    stack = await startStack({ idp: await startIdp({ env: { SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE: '100' } }) });
  });
  afterAll(async () => {
    await stack.stop();
    await stack.idp.stop();
  });

  it('6,000 requests without cookies store at most the limit and grow memory by less than 30 MB', async () => {
    signedIn = new HttpClient();
    expect((await signInAt(stack, stack.siteA.url, signedIn)).body).toContain('Hello');
    const url = authorizeUrl(stack);
    gc();
    const before = process.memoryUsage().heapUsed;
    const statuses = await flood(url, 6000, 20);
    gc();
    const grown = process.memoryUsage().heapUsed - before;

    expect(statuses.get(303)).toBe(99);
    expect(statuses.get(429)).toBe(5901);
    expect((await stack.idp.storage.modelStore('Interaction').list()).length).toBeLessThanOrEqual(100);
    expect(grown).toBeLessThan(30 * 1024 * 1024);
  });

  it('answers the refused ones with a page and Retry-After, and lets a person with a session through silently', async () => {
    const refused = await new HttpClient().get(authorizeUrl(stack));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toContain('Too many requests');
    expect(refused.headers.get('location')).toBeNull();
    expect(refused.headers.getSetCookie()).toEqual([]);
    const silent = await signedIn.follow(await signedIn.get(`${stack.siteB.url}/`));
    expect(silent.body).toContain('Hello');
  });
});

describe('sign-out pages from one address', () => {
  it('store a session for nobody at most the limit times a minute, each for minutes, and never refuse a signed-in person signing out', async () => {
    const address = '203.0.113.9';
    const stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', SIGN_OUT_PAGES_PER_SOURCE_PER_MINUTE: '3' } }) });
    try {
      const person = HttpClient.at(address);
      expect((await signInAt(stack, stack.siteA.url, person)).body).toContain('Hello');
      const sessions = stack.idp.storage.modelStore('Session');
      const signedIn = (await sessions.list()).map(({ id }) => id);
      // oidc-provider keeps the RP's state in the session it stores for the sign-out form.
      const signOutPage = `${stack.idp.issuer}/session/end?state=${'s'.repeat(8000)}`;
      const replies = [];
      for (let n = 0; n < 6; n += 1) replies.push(await HttpClient.at(address).get(signOutPage));
      expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 429, 429, 429]);
      const refused = replies.at(-1)!;
      expect(refused.body).toContain('Too many');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.getSetCookie()).toEqual([]);
      const forNobody = (await sessions.list()).filter(({ id }) => !signedIn.includes(id));
      expect(forNobody).toHaveLength(3);
      // Minutes, not the signed-in session's day.
      for (const { payload } of forNobody) expect(Number(payload.exp) - Date.now() / 1000).toBeLessThanOrEqual(600);
      // The person at that busy address signs out as ever: their session is not new.
      const own = await person.get(`${stack.idp.issuer}/session/end`);
      expect(own.status).toBe(200);
      expect(own.body).not.toContain('Too many');
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });
});

describe('sign-out pages with a cookie for a session that is gone (found by a review)', () => {
  it('count too: replaying one stale cookie stores no more sessions for nobody than the limit', async () => {
    const stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', SIGN_OUT_PAGES_PER_SOURCE_PER_MINUTE: '3' } }) });
    try {
      const headers = { 'x-forwarded-for': '203.0.113.77' };
      const first = await fetchLoopback(`${stack.idp.issuer}/session/end?state=x`, { headers });
      await first.arrayBuffer();
      const cookie = first.headers.getSetCookie().map((set) => set.split(';')[0]).join('; ');
      const sessions = stack.idp.storage.modelStore('Session');
      // That session expires (10 minutes) or is deleted; its signed cookie stays valid.
      for (const { id } of await sessions.list()) await sessions.destroy(id);
      const statuses = [];
      for (let n = 0; n < 6; n += 1) {
        const reply = await fetchLoopback(`${stack.idp.issuer}/session/end?state=${'s'.repeat(4000)}`, { headers: { ...headers, cookie } });
        await reply.arrayBuffer();
        statuses.push(reply.status);
      }
      // The first visit counted too: two more from the stale cookie, then refusals.
      expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
      expect((await sessions.list()).length).toBeLessThanOrEqual(2);
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });
});

describe('what one stranger\'s request may store (found by an attacking review)', () => {
  const spa = { client_id: 'bounds-spa', token_endpoint_auth_method: 'none' as const, redirect_uris: ['http://spa.localhost:9/cb'] };
  const pushed = (stack: Stack, address: string, state = 's') =>
    fetchLoopback(`${stack.idp.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
      body: new URLSearchParams({ client_id: spa.client_id, response_type: 'code', redirect_uri: spa.redirect_uris[0]!, scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256', state }).toString(),
    });

  it('pushes at most the sign-in page limit of authorization requests a minute from one address (POST /request)', async () => {
    const stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE: '3' } }) });
    try {
      await stack.idp.clients.save(spa, { firstParty: false });
      const statuses = [];
      for (let n = 0; n < 5; n += 1) {
        const reply = await pushed(stack, '203.0.113.20');
        statuses.push([reply.status, ((await reply.json()) as { error?: string }).error]);
      }
      expect(statuses).toEqual([[201, undefined], [201, undefined], [201, undefined], [429, 'temporarily_unavailable'], [429, 'temporarily_unavailable']]);
      expect(await stack.idp.storage.modelStore('PushedAuthorizationRequest').list()).toHaveLength(3);
      expect((await pushed(stack, '203.0.113.21')).status).toBe(201);
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });

  it('stores no sign-in, pushed request or session for nobody of more than 16 KB of JSON, and answers invalid_request', async () => {
    const stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true' } }) });
    try {
      await stack.idp.clients.save(spa, { firstParty: false });
      // Control characters: 3 bytes each in the URL, 6 in JSON.
      const state = '\u0001'.repeat(4000);
      const tooLarge = await pushed(stack, '203.0.113.30', state);
      expect(tooLarge.status).toBe(400);
      expect(await tooLarge.json()).toMatchObject({ error: 'invalid_request', error_description: 'the request is too large' });
      const url = new URL(authorizeUrl(stack));
      url.searchParams.set('state', state);
      const page = await HttpClient.at('203.0.113.30').get(url.href);
      expect(page.status).toBeLessThan(500);
      expect(page.location ?? '').not.toContain('/interaction/');
      const signOut = await HttpClient.at('203.0.113.30').get(`${stack.idp.issuer}/session/end?state=${encodeURIComponent(state)}`);
      expect(signOut.status).toBe(400);
      for (const model of ['PushedAuthorizationRequest', 'Interaction', 'Session']) expect([model, await stack.idp.storage.modelStore(model).list()]).toEqual([model, []]);
      // A request of an ordinary size goes through.
      expect((await pushed(stack, '203.0.113.30', 's'.repeat(500))).status).toBe(201);
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });
});

describe('the in-memory store under a flood from many addresses', () => {
  it('keeps at most its cap of interactions, evicting the oldest first', async () => {
    const storage = createMemoryStorage({ caps: { Interaction: 50 } });
    const stack = await startStack({ idp: await startIdp({ storage, env: { TRUST_PROXY: 'true' } }) });
    try {
      const url = authorizeUrl(stack);
      const first = await new HttpClient().get(url);
      const statuses = await flood(url, 300, 10, (n) => ({ 'x-forwarded-for': `198.51.100.${n % 250}` }));
      expect(statuses.get(303)).toBe(300);
      const interactions = await storage.modelStore('Interaction').list();
      expect(interactions).toHaveLength(50);
      expect(interactions.map((record) => record.id)).not.toContain(first.location!.split('/').pop());
      // A person starting now still gets through.
      expect((await signInAt(stack, stack.siteA.url)).body).toContain('Hello');
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });
});

describe('dynamic registration from one address', () => {
  it('is refused with 429, JSON and Retry-After past the hourly limit, and only for that address', async () => {
    const idp = await startIdp({ env: { TRUST_PROXY: 'true', REGISTRATIONS_PER_SOURCE_PER_HOUR: '5' } });
    try {
      const register = (address: string) =>
        fetchLoopback(`${idp.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer guessed-initial-access-token', 'x-forwarded-for': address },
          body: JSON.stringify({ redirect_uris: ['http://guess.localhost:9/cb'] }),
        });
      const statuses = [];
      for (let n = 0; n < 7; n += 1) statuses.push((await register('203.0.113.5')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      const refused = await register('203.0.113.5');
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect((await register('203.0.113.6')).status).toBe(401);
    } finally {
      await idp.stop();
    }
  });

  it('counts the endpoint however its path is spelled: the provider ignores case and a trailing slash', async () => {
    const idp = await startIdp({ env: { TRUST_PROXY: 'true', REGISTRATIONS_PER_SOURCE_PER_HOUR: '3' } });
    try {
      const statuses = [];
      for (const path of ['/reg', '/REG', '/reg/', '/Reg/', '/rEg']) {
        const response = await fetchLoopback(`${idp.issuer}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer guessed-initial-access-token', 'x-forwarded-for': '203.0.113.7' },
          body: JSON.stringify({ redirect_uris: ['http://guess.localhost:9/cb'] }),
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await idp.stop();
    }
  });
});

describe('sign-in pages under other spellings of /auth', () => {
  it('counts /AUTH, /auth/ and HEAD /auth against the same limit, so none of them stores more interactions', async () => {
    const stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE: '3' } }) });
    try {
      const url = new URL(authorizeUrl(stack));
      const statuses = [];
      for (const [method, path] of [['GET', '/auth'], ['GET', '/AUTH'], ['HEAD', '/auth'], ['GET', '/auth/'], ['GET', '/Auth/'], ['HEAD', '/AUTH']]) {
        const response = await fetchLoopback(`${stack.idp.issuer}${path}${url.search}`, { method, redirect: 'manual', headers: { 'x-forwarded-for': '203.0.113.8' } });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses).toEqual([303, 303, 303, 429, 429, 429]);
      expect(await stack.idp.storage.modelStore('Interaction').list()).toHaveLength(3);
    } finally {
      await stack.stop();
      await stack.idp.stop();
    }
  });
});
