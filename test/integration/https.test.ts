import type { AddressInfo } from 'node:net';
import { hashPassword } from '../../src/accounts/passwords.js';
import { loadConfig } from '../../src/config.js';
import { close, createServer, type Server } from '../../src/http/listen.js';
import { listenIdp } from '../../src/http/listen-idp.js';
import { createLoopbackFetch, type FetchFunction } from '../../src/http/loopback-resolver.js';
import { readTlsFiles } from '../../src/http/tls-files.js';
import { createIdp, type Idp } from '../../src/idp.js';
import { fetchTrusting, selfSignedCertificate, type TestCertificate } from '../support/certificate.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { ALICE } from '../support/journeys.js';

/**
 * Cookies that open every site must never travel in clear (issue 8, item 7): behind a TLS proxy
 * the IdP trusts, and when it serves TLS itself, every cookie of a sign-in carries Secure.
 */
interface HttpsIdp {
  idp: Idp;
  issuer: string;
  stop(): Promise<void>;
}

/** An IdP on `server` (listening on a free port first, so the issuer can name it), with Alice. */
async function startIdpOn(server: Server, env: Record<string, string>): Promise<HttpsIdp> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://idp.localhost:${(server.address() as AddressInfo).port}`;
  const idp = await createIdp(loadConfig({ NODE_ENV: 'test', ISSUER: issuer, ...env }));
  server.on('request', idp.app.callback());
  await idp.storage.accounts.create({ email: ALICE.email, name: 'Alice Liddell', emailVerified: true, passwordHash: await hashPassword(ALICE.password) });
  return {
    idp,
    issuer,
    async stop() {
      await close(server);
      await idp.close();
    },
  };
}

/** What a browser on https sees of a TLS-terminating proxy: it talks http to the IdP and says so. */
function throughTlsProxy(fetch: FetchFunction): FetchFunction {
  return (input, init) =>
    fetch(String(input).replace(/^https:/, 'http:'), { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' } });
}

/** Keeps every Set-Cookie header the browser receives. */
function recordingCookies(fetch: FetchFunction): { fetch: FetchFunction; setCookies: string[] } {
  const setCookies: string[] = [];
  return {
    setCookies,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      setCookies.push(...response.headers.getSetCookie());
      return response;
    },
  };
}

const cookieName = (setCookie: string) => setCookie.slice(0, setCookie.indexOf('='));
// oidc-provider's session and interaction cookies (and their signatures), and ours.
const SIGN_IN_COOKIES = ['_session', '_interaction', '_interaction_resume', 'account_login_state'];

/**
 * Alice opens her account page and signs in through the IdP's own login (no site involved): she
 * lands on her account page, and every cookie set on the way (all of SIGN_IN_COOKIES among them)
 * is Secure.
 */
async function expectSecureSignIn(fetch: FetchFunction, issuer: string): Promise<void> {
  const recorded = recordingCookies(fetch);
  const browser = new HttpClient(undefined, {}, recorded.fetch);
  const loginPage = await browser.follow(await browser.get(`${issuer}/account`));
  const page = await browser.follow(await browser.post(`${issuer}/interaction/${interactionUid(loginPage.url)}/login`, ALICE));
  expect(page.url).toBe(`${issuer}/account`);
  expect(page.body).toContain('Alice Liddell');
  expect(recorded.setCookies.map(cookieName)).toEqual(expect.arrayContaining(SIGN_IN_COOKIES));
  for (const setCookie of recorded.setCookies) expect(setCookie).toMatch(/;\s*secure\b/i);
}

let certificate: TestCertificate;
beforeAll(() => {
  certificate = selfSignedCertificate();
});
afterAll(() => {
  certificate.remove();
});

describe('an IdP behind a TLS-terminating proxy it trusts (TRUST_PROXY=true)', () => {
  let running: HttpsIdp;
  beforeAll(async () => {
    running = await startIdpOn(createServer(), { TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('marks every cookie of a sign-in Secure when the proxy says X-Forwarded-Proto: https', async () => {
    await expectSecureSignIn(throughTlsProxy(createLoopbackFetch()), running.issuer);
  });

  it('advertises https endpoints in discovery', async () => {
    const response = await throughTlsProxy(createLoopbackFetch())(`${running.issuer}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(running.issuer);
    expect(discovery.authorization_endpoint).toBe(`${running.issuer}/auth`);
  });
});

describe('an IdP serving TLS itself (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  let running: HttpsIdp;
  beforeAll(async () => {
    const server = createServer(undefined, { tls: await readTlsFiles(certificate) });
    running = await startIdpOn(server, { TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('signs a person in over https, every cookie Secure, with no proxy trust at all', async () => {
    await expectSecureSignIn(fetchTrusting(certificate.cert), running.issuer);
  });

  it('listens with the configured certificate through listenIdp, as npm run start:idp does', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ISSUER: 'https://idp.localhost', PORT: '0', TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile });
    const server = await listenIdp((_req, res) => res.end('ok'), config);
    try {
      const response = await fetchTrusting(certificate.cert)(`https://idp.localhost:${server.port}/`);
      expect(await response.text()).toBe('ok');
    } finally {
      await close(server);
    }
  });
});

describe('an https issuer over a plain connection, outside production', () => {
  // Production refuses this set-up (see test/unit/config.test.ts); in development it must still
  // answer, so cookies follow the connection, as oidc-provider's own do.
  let running: HttpsIdp;
  beforeAll(async () => {
    running = await startIdpOn(createServer(), { NODE_ENV: 'development', LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('starts the account sign-in instead of failing with 500, its cookie without Secure on plain http', async () => {
    const plainUrl = `${running.issuer.replace(/^https:/, 'http:')}/account/login`;
    const response = await createLoopbackFetch()(plainUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^\/auth\?client_id=/);
    const [stateCookie] = response.headers.getSetCookie();
    expect(stateCookie).toMatch(/^account_login_state=/);
    expect(stateCookie).not.toMatch(/;\s*secure\b/i);
  });

  it('sets the same cookie Secure as soon as the request arrives over TLS', async () => {
    const tlsServer = createServer(undefined, { tls: await readTlsFiles(certificate) });
    tlsServer.on('request', running.idp.app.callback());
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetchTrusting(certificate.cert)(`https://idp.localhost:${(tlsServer.address() as AddressInfo).port}/account/login`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.getSetCookie()[0]).toMatch(/;\s*secure\b/i);
    } finally {
      await close(tlsServer);
    }
  });
});
