/**
 * Issue 8 item 12: security events are logged as structured lines with the source address and a
 * keyed hash of the email (never the email, a password or a token), and kept in the store as an
 * audit trail an admin reads with `audit list`.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { runCli } from '../support/admin.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { BOB, signedInEverywhere } from '../support/journeys.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';

const lines: Record<string, unknown>[] = [];
let stack: Stack;
const INITIAL_ACCESS_TOKEN = randomBytes(24).toString('base64url');
const SECRET_WORDS = ['builder', 'wrong-password-123', 'bob@example.com', INITIAL_ACCESS_TOKEN];

beforeAll(async () => {
  const logger = createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  stack = await startStack({ idp: await startIdp({ env: { TRUST_PROXY: 'true', INITIAL_ACCESS_TOKEN }, logger }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

const logged = (event: string) => lines.filter((line) => line.event === event);

describe('security events', () => {
  it('log sign-in failures and successes with the address and an email hash, never the email or password', async () => {
    const browser = HttpClient.at('192.0.2.31');
    const page = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const url = `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login`;
    await browser.post(url, { email: BOB.email, password: 'wrong-password-123' });
    await browser.follow(await browser.post(url, BOB));

    const emailHash = stack.idp.pseudonyms.ofEmail(BOB.email);
    expect(logged('security.sign_in.failed')[0]).toMatchObject({ level: 'warn', source: '192.0.2.31', email_hash: emailHash, client_id: stack.siteA.config.clientId });
    expect(logged('security.sign_in.succeeded')[0]).toMatchObject({ level: 'info', source: '192.0.2.31', email_hash: emailHash });
    const text = JSON.stringify(lines);
    for (const word of SECRET_WORDS) expect(text).not.toContain(word);
  });

  it('log throttling and cross-site refusals', async () => {
    const browser = HttpClient.at('192.0.2.32');
    const page = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const url = `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login`;
    for (let n = 0; n < 13; n += 1) await browser.post(url, { email: `spray-${n}@example.com`, password: 'wrong-password-123' });
    expect(logged('security.sign_in.throttled').at(-1)).toMatchObject({ source: '192.0.2.32', limit: 'page', retry_after_seconds: expect.any(Number) });

    await browser.post(url, { email: 'x@example.com', password: 'y' }, { origin: 'http://evil.localhost:1' });
    expect(logged('security.request.cross_site_refused').at(-1)).toMatchObject({ source: '192.0.2.32', origin: 'http://evil.localhost:1', path: expect.stringContaining('/interaction/') });
  });

  it('log account-page actions and registrations, and keep them all in the audit trail', async () => {
    const browser = await signedInEverywhere(stack, BOB);
    await browser.post(`${stack.idp.issuer}/account/sign-out-everywhere`, {});
    expect(logged('security.account.signed_out_everywhere').at(-1)).toMatchObject({ account_id: expect.any(String), sessions: 2 });

    const registration = await fetchLoopback(`${stack.idp.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Audited app', redirect_uris: ['http://audited.localhost:9/cb'] }),
    });
    expect(logged('security.registration.created').at(-1)).toMatchObject({ client_id: ((await registration.json()) as { client_id: string }).client_id });
    await fetchLoopback(`${stack.idp.issuer}/reg`, { method: 'POST', headers: { authorization: 'Bearer forged', 'content-type': 'application/json' }, body: '{}' });
    expect(logged('security.registration.refused').at(-1)).toMatchObject({ error: 'invalid_token' });

    const trail = await runCli(stack.idp, ['audit', 'list', '--json', '--limit', '200']);
    const types = new Set(trail.json().map((row) => row.type));
    for (const type of ['sign_in.failed', 'sign_in.succeeded', 'sign_in.throttled', 'request.cross_site_refused', 'account.signed_out_everywhere']) expect(types).toContain(type);
    for (const word of SECRET_WORDS) expect(trail.out).not.toContain(word);
    expect((await runCli(stack.idp, ['audit', 'list', '--email', BOB.email, '--type', 'account.signed_out_everywhere', '--json'])).json()).toHaveLength(1);
  });

  it('keep at most 30 refusals a minute per kind and address, so a flood cannot wash the trail out', async () => {
    const since = new Date();
    const browser = HttpClient.at('192.0.2.99');
    const page = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const url = `${stack.idp.issuer}/interaction/${interactionUid(page.url)}/login`;
    for (let n = 0; n < 100; n += 1) await browser.post(url, { email: 'x@example.com', password: 'y' }, { origin: 'http://evil.localhost:1' });
    const kept = (await stack.idp.storage.audit.list({ limit: 1000, type: 'request.cross_site_refused' })).filter((e) => e.at >= since && e.source === '192.0.2.99');
    expect(kept).toHaveLength(30);
    expect(logged('security.events_suppressed')).toHaveLength(1);
    expect(logged('security.events_suppressed')[0]).toMatchObject({ type: 'request.cross_site_refused', source: '192.0.2.99' });
    expect(await stack.idp.storage.audit.list({ limit: 1, type: 'sign_in.succeeded' })).toHaveLength(1);
  });

  it('record admin changes, naming people only by pseudonym', async () => {
    expect((await runCli(stack.idp, ['users', 'add', '--email', 'eve@example.com', '--name', 'Eve'], { secrets: ['eve-password'] })).code).toBe(0);
    const [change] = await stack.idp.storage.audit.list({ limit: 1, type: 'admin.change' });
    expect(change).toMatchObject({ subject: stack.idp.pseudonyms.ofEmail('eve@example.com'), detail: { command: 'users add', by: 'admin' } });
    expect(JSON.stringify(change)).not.toContain('eve@');
    expect(logged('security.admin.change').at(-1)).toMatchObject({ email_hash: change!.subject, command: 'users add' });
  });
});
