/**
 * Both sample sites at https URLs behind a TLS-terminating proxy (issue 8, item 7): the requests
 * reach them over loopback as plain http, marked `X-Forwarded-Proto: https`, and they trust it
 * (SITE_*_TRUST_PROXY). Every cookie is then Secure and __Host- (RFC 6265bis section 4.1.3.2);
 * the cookie jar itself refuses a __Host- cookie that is not Secure, Path=/ and host-only.
 */
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { HttpClient } from '../support/http-client.js';
import { signInAt } from '../support/journeys.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ https: true });
});
afterAll(async () => {
  await stack.stop();
});

/** A browser behind the proxy stand-in; collects every Set-Cookie the sites send. */
function browserBehindProxy(setCookies: string[]): HttpClient {
  const loopback = createLoopbackFetch();
  return new HttpClient(undefined, {}, async (url, init) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') return loopback(url, init); // the IdP, on plain http
    target.protocol = 'http:';
    const response = await loopback(target.href, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-proto': 'https' } });
    setCookies.push(...response.headers.getSetCookie());
    return response;
  });
}

const nameOf = (setCookie: string) => setCookie.slice(0, setCookie.indexOf('='));

describe('sites at an https URL behind a trusted proxy', () => {
  it('complete sign-in and single sign-on, with every cookie Secure, host-only and __Host- named', async () => {
    const setCookies: string[] = [];
    const browser = browserBehindProxy(setCookies);
    expect(stack.siteA.url).toMatch(/^https:/);
    expect((await signInAt(stack, stack.siteA.url, browser)).body).toContain('Hello');
    expect((await browser.follow(await browser.get(`${stack.siteB.url}/`))).body).toContain('Hello');
    await browser.post(`${stack.siteA.url}/logout`, {});

    const names = new Set(setCookies.map(nameOf));
    for (const name of ['site_a_session', 'site_a_auth', 'site_a_auth.sig', 'site_b_session', 'site_b_auth', 'site_b_auth.sig']) expect(names).toContain(`__Host-${name}`);
    for (const setCookie of setCookies) {
      expect(nameOf(setCookie)).toMatch(/^__Host-/);
      expect(setCookie).toMatch(/; secure/i);
      expect(setCookie).toMatch(/; path=\/(;|$)/);
      expect(setCookie).not.toMatch(/; domain=/i);
    }
  });

  it('refuses a request that did not come over https, and sets no cookie', async () => {
    const direct = new URL(stack.siteA.url);
    direct.protocol = 'http:';
    for (const forwarded of [{}, { 'x-forwarded-proto': 'http' }] as Record<string, string>[]) {
      const response = await fetchLoopback(`${direct.origin}/login`, { headers: forwarded, redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await response.text()).toContain('https only');
    }
  });
});
