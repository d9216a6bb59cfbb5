/**
 * Durable back-channel logout, seen from outside: site-b is down when Alice signs out, and the
 * account page, the Management API (/logout-deliveries, /logout-deliveries/stats) and the admin
 * CLI (over HTTP and --direct) show its sign-out pending, then delivered once site-b is back; the
 * outcome is in the audit trail. Real servers on loopback, nothing mocked.
 */
import type { AdminCliEnvironment } from '../../src/config.js';
import type { Delivery } from '../../src/logout-delivery/deliveries.js';
import { runCli, runCliOverHttp } from '../support/admin.js';
import { deliveriesSettled } from '../support/deliveries.js';
import { HttpClient, interactionUid } from '../support/http-client.js';
import { ALICE, signedInEverywhere, signOutAt } from '../support/journeys.js';
import { callApi, createAdminClient, expectDocumented, managementToken } from '../support/management.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let token: string;
let env: AdminCliEnvironment;
let siteA: string;
let siteB: string;

beforeAll(async () => {
  stack = await startStack();
  const admin = await createAdminClient(stack.idp, ['admin:sessions:read', 'admin:audit:read'], 'Sign-out watcher');
  token = await managementToken(stack.idp, admin, ['admin:sessions:read', 'admin:audit:read']);
  env = { issuer: stack.idp.issuer, clientId: admin.id, clientSecret: admin.secret };
  siteA = stack.siteA.config.clientId;
  siteB = stack.siteB.config.clientId;
});
afterAll(async () => {
  await stack.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function accountPage(browser: HttpClient): Promise<string> {
  const first = await browser.follow(await browser.get(`${stack.idp.issuer}/account`));
  if (first.url === `${stack.idp.issuer}/account`) return first.body;
  const page = await browser.follow(await browser.post(`${stack.idp.issuer}/interaction/${interactionUid(first.url)}/login`, ALICE));
  expect(page.url).toBe(`${stack.idp.issuer}/account`);
  return page.body;
}

const latestFor = (all: Delivery[], clientId: string) => all.filter((d) => d.clientId === clientId).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];

describe('back-channel logouts while a site is down, and after it is back', () => {
  it('shows site-b pending (retrying) on the account page, the API and the CLI, then delivered everywhere, with an audit event', async () => {
    const browser = await signedInEverywhere(stack);
    const port = Number(new URL(stack.siteB.url).port);
    await new Promise<void>((resolve) => {
      stack.siteB.server.close(() => resolve());
      stack.siteB.server.closeAllConnections();
    });
    const signedOut = await signOutAt(browser, stack.siteA.url);
    expect(signedOut.url.startsWith(stack.siteA.url)).toBe(true);

    // site-a heard at once; site-b was tried and refused the connection.
    await until('site-a delivered and site-b attempted', async () => {
      const all = await stack.idp.deliveries.list();
      const [a, b] = [latestFor(all, siteA), latestFor(all, siteB)];
      return a?.state === 'delivered' && b && b.attempts >= 1 ? true : undefined;
    });

    const pendingPage = await accountPage(new HttpClient());
    expect(pendingPage).toContain('Your recent sign-outs');
    expect(pendingPage).toContain(`data-client="${siteB}" data-status="pending"`);
    expect(pendingPage).toContain(`data-client="${siteA}" data-status="signed_out"`);
    expect(pendingPage).toMatch(/Site B<\/strong> · Sign-out pending \(retrying\)/);
    expect(pendingPage).toMatch(/Site A<\/strong> · Signed out/);

    const pending = await callApi(stack.idp, token, 'GET', '/logout-deliveries?state=pending');
    expect(pending.status).toBe(200);
    await expectDocumented(stack.idp, token, 'listLogoutDeliveries', pending);
    expect(pending.json.items).toEqual([
      expect.objectContaining({ client_id: siteB, state: 'pending', attempts: expect.any(Number), last_outcome: 'connection refused', next_attempt_at: expect.any(String) }),
    ]);
    expect(pending.json.items[0].attempts).toBeGreaterThanOrEqual(1);
    const aliceId = pending.json.items[0].user_id as string;
    expect((await stack.idp.storage.accounts.findByEmail(ALICE.email))?.id).toBe(aliceId);

    const stats = await callApi(stack.idp, token, 'GET', '/logout-deliveries/stats');
    await expectDocumented(stack.idp, token, 'logoutDeliveryStats', stats);
    expect(stats.json).toMatchObject({ pending: 1, refused_last_day: 0, given_up_last_day: 0 });
    expect(stats.json.oldest_pending_age_seconds).toBeGreaterThanOrEqual(0);

    for (const run of [(argv: string[]) => runCliOverHttp(env, argv), (argv: string[]) => runCli(stack.idp, argv)]) {
      const listed = await run(['logouts', 'list', '--state', 'pending', '--client', siteB, '--json']);
      expect(listed).toMatchObject({ code: 0 });
      expect(listed.json()).toEqual([expect.objectContaining({ client_id: siteB, user_id: aliceId, state: 'pending', last_outcome: 'connection refused' })]);
      expect(Number(listed.json()[0]!.attempts)).toBeGreaterThanOrEqual(1);
      const counted = await run(['logouts', 'stats', '--json']);
      expect(counted.json()).toEqual([expect.objectContaining({ pending: 1, oldest_pending_age_seconds: expect.any(Number) })]);
      const table = await run(['logouts', 'list']);
      expect(table.out.split('\n')[0]).toMatch(/^ID\s+CLIENT_ID\s+USER_ID\s+STATE\s+ATTEMPTS/);
    }

    // site-b comes back on its port; nobody touches anything else.
    await new Promise<void>((resolve) => stack.siteB.server.listen(port, '127.0.0.1', resolve));
    const settled = await deliveriesSettled(stack.idp, 15_000);
    expect(latestFor(settled, siteB)).toMatchObject({ state: 'delivered', lastOutcome: 'HTTP 2xx' });

    const deliveredPage = await accountPage(new HttpClient());
    expect(deliveredPage).toContain(`data-client="${siteB}" data-status="signed_out"`);
    expect(deliveredPage).not.toContain('Sign-out pending');

    const delivered = await callApi(stack.idp, token, 'GET', `/logout-deliveries?client_id=${encodeURIComponent(siteB)}`);
    await expectDocumented(stack.idp, token, 'listLogoutDeliveries', delivered);
    expect(delivered.json.items).toEqual([expect.objectContaining({ client_id: siteB, state: 'delivered', last_outcome: 'HTTP 2xx', settled_at: expect.any(String) })]);
    expect(delivered.json.items[0]).not.toHaveProperty('next_attempt_at');
    expect((await callApi(stack.idp, token, 'GET', '/logout-deliveries?state=pending')).json.items).toEqual([]);
    const after = await callApi(stack.idp, token, 'GET', '/logout-deliveries/stats');
    await expectDocumented(stack.idp, token, 'logoutDeliveryStats', after);
    expect(after.json).toEqual({ pending: 0, oldest_pending_age_seconds: null, refused_last_day: 0, given_up_last_day: 0 });
    for (const run of [(argv: string[]) => runCliOverHttp(env, argv), (argv: string[]) => runCli(stack.idp, argv)]) {
      expect((await run(['logouts', 'list', '--client', siteB, '--json'])).json()).toEqual([expect.objectContaining({ state: 'delivered', last_outcome: 'HTTP 2xx' })]);
    }

    const audit = await callApi(stack.idp, token, 'GET', `/audit-events?type=backchannel.delivered`);
    await expectDocumented(stack.idp, token, 'listAuditEvents', audit);
    expect(audit.json.items).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'backchannel.delivered', client_id: siteB, user_id: aliceId, detail: expect.objectContaining({ outcome: 'HTTP 2xx' }) })]));
    const cliAudit = await runCliOverHttp(env, ['audit', 'list', '--type', 'backchannel.delivered', '--json']);
    expect(cliAudit.json()).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'backchannel.delivered', client_id: siteB })]));
  }, 40_000);
});

describe('GET /logout-deliveries: what it never shows, and who may read it', () => {
  it('never carries a delivery\'s sid, in any state or filter, nor does the CLI', async () => {
    const sids = (await stack.idp.deliveries.list()).map((d) => d.sid).filter((sid): sid is string => typeof sid === 'string');
    expect(sids.length).toBeGreaterThan(0);
    const replies = [await callApi(stack.idp, token, 'GET', '/logout-deliveries'), await callApi(stack.idp, token, 'GET', '/logout-deliveries?state=delivered&limit=1')];
    const cli = [await runCliOverHttp(env, ['logouts', 'list', '--json']), await runCli(stack.idp, ['logouts', 'list', '--json'])];
    for (const text of [...replies.map((reply) => JSON.stringify(reply.json)), ...cli.map((run) => run.out)]) {
      expect(text).not.toMatch(/"sid"/);
      for (const sid of sids) expect(text).not.toContain(sid);
    }
  });

  it('pages with limit and cursor, oldest first, each item once', async () => {
    const first = await callApi(stack.idp, token, 'GET', '/logout-deliveries?limit=1');
    await expectDocumented(stack.idp, token, 'listLogoutDeliveries', first);
    const second = await callApi(stack.idp, token, 'GET', `/logout-deliveries?limit=1&cursor=${first.json.next_cursor}`);
    expect(first.json.items).toHaveLength(1);
    expect(second.json.items).toHaveLength(1);
    expect(second.json.items[0].id).not.toBe(first.json.items[0].id);
    expect(Date.parse(second.json.items[0].created_at)).toBeGreaterThanOrEqual(Date.parse(first.json.items[0].created_at));
  });

  it('fails with 403 insufficient_scope for a token holding admin:users:read only', async () => {
    const reader = await createAdminClient(stack.idp, ['admin:users:read'], 'Users reader');
    const narrow = await managementToken(stack.idp, reader, ['admin:users:read']);
    for (const [path, operationId] of [['/logout-deliveries', 'listLogoutDeliveries'], ['/logout-deliveries/stats', 'logoutDeliveryStats']] as const) {
      const reply = await callApi(stack.idp, narrow, 'GET', path);
      expect(reply).toMatchObject({ status: 403, json: { code: 'insufficient_scope', scope: 'admin:sessions:read' } });
      await expectDocumented(stack.idp, token, operationId, reply);
    }
    const cli = await runCliOverHttp({ issuer: stack.idp.issuer, clientId: reader.id, clientSecret: reader.secret }, ['logouts', 'list']);
    expect(cli.code).toBe(1);
  });

  it('fails with 400 for a state that is not one, and the CLI with a usage error', async () => {
    const reply = await callApi(stack.idp, token, 'GET', '/logout-deliveries?state=lost');
    expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_input' } });
    await expectDocumented(stack.idp, token, 'listLogoutDeliveries', reply);
    const cli = await runCli(stack.idp, ['logouts', 'list', '--state', 'lost']);
    expect(cli).toMatchObject({ code: 2, err: expect.stringContaining('--state "lost" is not one of pending, delivered, refused, given_up') });
  });
});
