import { gzipSync } from 'node:zlib';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The forms of our own pages (login, consent, account) are read with a size limit, and a body that
 * can't be read is the sender's fault. A body claiming gzip that wasn't gzip answered 500 (zlib's
 * error has no status); found by the fuzz test (test/integration/fuzz.test.ts).
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

async function postEncoded(url: string, cookie: string, encoding: string, body: Buffer) {
  const response = await fetchLoopback(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding, accept: 'text/html' },
    body: new Uint8Array(body),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

async function loginPage() {
  const browser = new HttpClient();
  const page = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
  const url = `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login`;
  return { url, cookie: await browser.jar.getCookieString(url) };
}

describe('POST /interaction/:uid/login with a body it cannot read', () => {
  it('answers 400 with the error page when the body claims gzip but is not', async () => {
    const { url, cookie } = await loginPage();
    const reply = await postEncoded(url, cookie, 'gzip', Buffer.from('email=a%40b&password=x'));
    expect(reply.status).toBe(400);
    expect(reply.type).toMatch(/^text\/html/);
    expect(reply.body).toContain('The form could not be read.');
  });

  it('answers 413 once a compressed body inflates past the form limit', async () => {
    const { url, cookie } = await loginPage();
    expect((await postEncoded(url, cookie, 'gzip', gzipSync(Buffer.alloc(1_000_000, 'a')))).status).toBe(413);
  });

  it('answers 415 to an encoding it does not know', async () => {
    const { url, cookie } = await loginPage();
    expect((await postEncoded(url, cookie, 'x-unknown', Buffer.from('email=a'))).status).toBe(415);
  });

  it('still reads a correctly gzipped form', async () => {
    const { url, cookie } = await loginPage();
    const reply = await postEncoded(url, cookie, 'gzip', gzipSync('email=nobody%40example.com&password=wrong-password'));
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Email or password is incorrect.');
  });
});

describe('POST /account/password with a body it cannot read', () => {
  it('answers 400, not a server error', async () => {
    const reply = await postEncoded(`${stack.idp.issuer}/account/password`, '', 'deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff]));
    expect(reply.status).toBe(400);
  });
});
