import { verifyPassword } from '../../src/accounts/passwords.js';
import type { AdminCliEnvironment } from '../../src/config.js';
import { managementApiIdentifier, MANAGEMENT_SCOPES } from '../../src/management/management-api.js';
import { runCliOverHttp } from '../support/admin.js';
import { callApi, createAdminClient, managementToken, type AdminClient } from '../support/management.js';
import { jsonOf, startDemo } from '../support/demo.js';
import { runEntry } from '../support/spawn.js';
import { reservePort, startIdp, type RunningIdp } from '../support/stack.js';

/**
 * The admin CLI without --direct: a real IdP on the memory store, an admin client registered as
 * an admin registers one, and the CLI's HTTP entry getting its own token from /token and calling
 * the Management API, as `npm run admin` does in a second terminal.
 */
let idp: RunningIdp;
let admin: AdminClient;
let env: AdminCliEnvironment;
beforeAll(async () => {
  idp = await startIdp();
  admin = await createAdminClient(idp);
  env = { issuer: idp.issuer, clientId: admin.id, clientSecret: admin.secret };
});
afterAll(async () => {
  await idp.stop();
});

/** The JSON a child process printed (Node 20 adds oidc-provider's runtime warning before it, on stderr). */

type ClientRow = { client_id: string; client_secret?: string; first_party: boolean; type: string; grant_types: string; name: string; redirect_uris: string };

describe('admin CLI over HTTP: clients', () => {
  it('adds a client that the IdP then knows, lists and shows it without its secret, updates, rotates and removes it', async () => {
    const added = await runCliOverHttp(env, ['clients', 'add', '--name', 'Site C', '--redirect-uri', 'http://site-c.localhost:3003/callback', '--json']);
    expect(added).toMatchObject({ code: 0, err: '' });
    const [row] = added.json<ClientRow[]>();
    expect(row).toMatchObject({ name: 'Site C', type: 'confidential', first_party: false, grant_types: 'authorization_code refresh_token', client_secret: expect.any(String) });
    expect((await idp.clients.find(row!.client_id))?.client_secret).toBe(row!.client_secret);

    const listed = await runCliOverHttp(env, ['clients', 'list', '--json']);
    expect(listed.json<ClientRow[]>().map((c) => c.client_id)).toEqual(expect.arrayContaining([row!.client_id, admin.id]));
    expect(listed.out).not.toContain(row!.client_secret!);
    const shown = await runCliOverHttp(env, ['clients', 'show', row!.client_id]);
    expect(shown.out.split('\n')[0]).toMatch(/^CLIENT_ID\s+NAME\s+TYPE\s+GRANT_TYPES\s+FIRST_PARTY\s+REDIRECT_URIS$/);
    expect(shown.out).toContain('Site C');
    expect(shown.out).not.toContain(row!.client_secret!);

    const updated = await runCliOverHttp(env, ['clients', 'update', row!.client_id, '--name', 'Site C renamed', '--first-party', '--json']);
    expect(updated.json<ClientRow[]>()[0]).toMatchObject({ name: 'Site C renamed', first_party: true, redirect_uris: 'http://site-c.localhost:3003/callback' });
    expect(await idp.clients.isFirstParty(row!.client_id)).toBe(true);

    const [rotated] = (await runCliOverHttp(env, ['clients', 'rotate-secret', row!.client_id, '--json'])).json<ClientRow[]>();
    expect(rotated!.client_secret).toEqual(expect.any(String));
    expect(rotated!.client_secret).not.toBe(row!.client_secret);
    expect((await idp.clients.find(row!.client_id))?.client_secret).toBe(rotated!.client_secret);

    expect(await runCliOverHttp(env, ['clients', 'remove', row!.client_id, '--json'])).toMatchObject({ code: 0 });
    expect(await idp.clients.find(row!.client_id)).toBeUndefined();
  });

  it('adds an admin machine client with --admin, which can then run the CLI itself; grant-api narrows it, revoke-tokens ends its tokens', async () => {
    const [made] = (await runCliOverHttp(env, ['clients', 'add', '--name', 'Ops admin', '--admin', '--json'])).json<ClientRow[]>();
    expect(made).toMatchObject({ grant_types: 'client_credentials', redirect_uris: '' });
    const resource = managementApiIdentifier(idp.issuer);
    expect(await idp.apiAccess.allowed(made!.client_id, resource)).toEqual([...MANAGEMENT_SCOPES]);
    const opsEnv = { issuer: idp.issuer, clientId: made!.client_id, clientSecret: made!.client_secret };
    expect((await runCliOverHttp(opsEnv, ['clients', 'show', made!.client_id])).code).toBe(0);

    const granted = await runCliOverHttp(env, ['clients', 'grant-api', made!.client_id, '--resource', resource, '--scope', 'admin:clients:read', '--json']);
    expect(granted.json()).toEqual([{ client_id: made!.client_id, resource, scopes: 'admin:clients:read' }]);
    expect(await idp.apiAccess.allowed(made!.client_id, resource)).toEqual(['admin:clients:read']);

    const token = await managementToken(idp, { id: made!.client_id, secret: made!.client_secret! }, ['admin:clients:read']);
    expect((await runCliOverHttp(env, ['clients', 'revoke-tokens', made!.client_id, '--json'])).json()).toEqual([{ client_id: made!.client_id, tokens_revoked: true }]);
    expect((await callApi(idp, token, 'GET', '/clients')).status).toBe(401);
  });

  it('shows the API\'s own reason for a refusal, exit code 1', async () => {
    const missing = await runCliOverHttp(env, ['clients', 'show', 'no-such-client']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/^Error: .*No client with id "no-such-client"/) });
    const insecure = await runCliOverHttp(env, ['clients', 'add', '--name', 'X', '--redirect-uri', 'http://example.com/cb']);
    expect(insecure).toMatchObject({ code: 1, err: expect.stringMatching(/must use https/) });
  });

  it('fails with exit code 1 and names the client id and secret when the secret is wrong', async () => {
    const run = await runCliOverHttp({ ...env, clientSecret: 'not-the-secret' }, ['clients', 'list']);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/invalid_client/);
    expect(run.err).toContain(`client id "${admin.id}" or its secret is wrong`);
    expect(run.err).toContain('SSO_ADMIN_CLIENT_SECRET');
    expect(run.err).not.toContain('not-the-secret');
  });

  it('fails with exit code 1 naming admin:clients:write and how to grant it when the admin client may only read', async () => {
    const reader = await createAdminClient(idp, ['admin:clients:read'], 'Reader');
    const readerEnv = { issuer: idp.issuer, clientId: reader.id, clientSecret: reader.secret };
    expect((await runCliOverHttp(readerEnv, ['clients', 'list'])).code).toBe(0);
    const run = await runCliOverHttp(readerEnv, ['clients', 'add', '--name', 'Nope', '--redirect-uri', 'https://nope.example/cb']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('admin:clients:write');
    expect(run.err).toContain(`clients grant-api ${reader.id} --resource ${managementApiIdentifier(idp.issuer)}`);
    expect((await idp.clients.list()).map((c) => c.client_name)).not.toContain('Nope');
  });

  it('says it could not reach the IdP, with the URL it tried, when nothing listens there', async () => {
    const closed = await reservePort();
    await closed.close();
    const issuer = closed.url('idp');
    const run = await runCliOverHttp({ ...env, issuer }, ['clients', 'list']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`Could not reach the IdP at ${issuer}/.well-known/openid-configuration`);
    expect(run.err).toMatch(/ECONNREFUSED/);
  });

  it('says exactly what to set when it has no issuer, client id or secret (exit code 2)', async () => {
    const none = await runCliOverHttp({}, ['clients', 'list']);
    expect(none.code).toBe(2);
    for (const name of ['SSO_ADMIN_ISSUER', 'SSO_ADMIN_CLIENT_ID', 'SSO_ADMIN_CLIENT_SECRET', '--direct', 'MONGODB_URI']) expect(none.err).toContain(name);
    const noSecret = await runCliOverHttp({ issuer: idp.issuer, clientId: admin.id }, ['clients', 'list']);
    expect(noSecret).toMatchObject({ code: 2, err: expect.stringContaining(`No secret for the admin client "${admin.id}"`) });
  });

  it('refuses a plain-http issuer on another machine, where the secret would travel unencrypted (exit code 2)', async () => {
    const run = await runCliOverHttp({ ...env, issuer: 'http://id.example.com' }, ['clients', 'list']);
    expect(run).toMatchObject({ code: 2, err: expect.stringContaining('use its https issuer URL') });
  });

  it('reads the secret from the prompt when SSO_ADMIN_CLIENT_SECRET is unset, and takes --issuer and --client-id over the environment', async () => {
    const prompted = await runCliOverHttp({ issuer: 'http://wrong.localhost:1', clientId: 'wrong' }, ['clients', 'list', '--issuer', idp.issuer, '--client-id', admin.id], { secrets: [admin.secret] });
    expect(prompted.code).toBe(0);
    expect(prompted.out).toMatch(/^CLIENT_ID/);
  });

  it('refuses a --client-secret flag (it would land in shell history), exit code 2', async () => {
    const run = await runCliOverHttp({ issuer: idp.issuer, clientId: admin.id }, ['clients', 'list', '--client-secret', admin.secret]);
    expect(run).toMatchObject({ code: 2, err: expect.stringContaining('never a flag') });
  });
});

// These need the users, initial-access-tokens, keys and audit-events routes of the Management API
// (built on other branches): they pass once those are merged.
describe('admin CLI over HTTP: users, tokens, keys and audit', () => {
  it('adds a person who can sign in at once, lists, disables, enables and sets a new password by email', async () => {
    const added = await runCliOverHttp(env, ['users', 'add', '--email', 'Dora@Example.com', '--name', 'Dora', '--verified', '--json'], { secrets: ['explorer-123'] });
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.json()[0]).toMatchObject({ email: 'dora@example.com', name: 'Dora', email_verified: true, disabled: false });
    const account = await idp.storage.accounts.findByEmail('dora@example.com');
    expect(await verifyPassword(account!.passwordHash, 'explorer-123')).toBe(true);

    expect((await runCliOverHttp(env, ['users', 'list', '--json'])).json().map((u) => u.email)).toContain('dora@example.com');
    const disabled = await runCliOverHttp(env, ['users', 'disable', 'dora@example.com', '--json']);
    expect(disabled.json()[0]).toMatchObject({ disabled: true });
    expect(disabled.err).toMatch(/^Ended 0 session\(s\)/);
    expect((await runCliOverHttp(env, ['users', 'enable', 'DORA@example.com', '--json'])).json()[0]).toMatchObject({ disabled: false });
    const reset = await runCliOverHttp(env, ['users', 'set-password', 'dora@example.com'], { secrets: ['a-new-password'] });
    expect(reset.code).toBe(0);
    const changed = await idp.storage.accounts.findByEmail('dora@example.com');
    expect(await verifyPassword(changed!.passwordHash, 'a-new-password')).toBe(true);
  });

  it('refuses a short password, a duplicate email and an unknown person with exit code 1', async () => {
    const short = await runCliOverHttp(env, ['users', 'add', '--email', 'e@example.com', '--name', 'E'], { secrets: ['short'] });
    expect(short).toMatchObject({ code: 1, err: expect.stringMatching(/at least 8 characters/) });
    expect((await runCliOverHttp(env, ['users', 'add', '--email', 'e@example.com', '--name', 'E'], { secrets: ['long-enough'] })).code).toBe(0);
    const duplicate = await runCliOverHttp(env, ['users', 'add', '--email', 'E@EXAMPLE.COM', '--name', 'E'], { secrets: ['long-enough'] });
    expect(duplicate.code).toBe(1);
    const nobody = await runCliOverHttp(env, ['users', 'disable', 'nobody@example.com']);
    expect(nobody).toMatchObject({ code: 1, err: expect.stringContaining('No user with email "nobody@example.com"') });
  });

  it('mints an initial access token that the IdP stores, with its expiry and single-use flag', async () => {
    const run = await runCliOverHttp(env, ['tokens', 'create-initial-access', '--expires-in', '1h', '--single-use', '--json']);
    expect(run.code).toBe(0);
    const [row] = run.json<{ initial_access_token: string; expires_at: string; single_use: boolean }[]>();
    expect(row!.single_use).toBe(true);
    expect(Date.parse(row!.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(await idp.storage.modelStore('InitialAccessToken').find(row!.initial_access_token)).toBeDefined();
  });

  it('lists keys, rotates the signing keys (successors published) and prunes', async () => {
    const listed = (await runCliOverHttp(env, ['keys', 'list', '--json'])).json<{ purpose: string; state: string }[]>();
    expect(listed.map((r) => r.purpose).sort()).toEqual(expect.arrayContaining(['cookie', 'signing']));
    const rotated = await runCliOverHttp(env, ['keys', 'rotate', '--purpose', 'signing', '--json']);
    expect(rotated.json<{ state: string; purpose: string }[]>().map((r) => `${r.purpose}:${r.state}`)).toEqual(['signing:published', 'signing:published']);
    const table = (await runCliOverHttp(env, ['keys', 'list', '--purpose', 'signing'])).out;
    expect(table.split('\n')[0]).toMatch(/^ID\s+PURPOSE\s+ALG\s+STATE/);
    expect((await runCliOverHttp(env, ['keys', 'prune', '--json'])).code).toBe(0);
    expect((await runCliOverHttp(env, ['keys', 'rotate', '--purpose', 'everything'])).code).toBe(2);
  });

  it('lists audit events, newest first, filtered by type and by a person\'s email', async () => {
    await runCliOverHttp(env, ['users', 'add', '--email', 'audited@example.com', '--name', 'Audited'], { secrets: ['long-enough'] });
    await runCliOverHttp(env, ['users', 'disable', 'audited@example.com']);
    const changes = (await runCliOverHttp(env, ['audit', 'list', '--type', 'admin.change', '--limit', '3', '--json'])).json<{ type: string; at: string }[]>();
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.length).toBeLessThanOrEqual(3);
    expect(changes.every((event) => event.type === 'admin.change')).toBe(true);
    const ats = changes.map((event) => Date.parse(event.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
    const theirs = (await runCliOverHttp(env, ['audit', 'list', '--email', 'audited@example.com', '--json'])).json<{ account_id: string }[]>();
    const id = (await idp.storage.accounts.findByEmail('audited@example.com'))!.id;
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((event) => event.account_id === id)).toBe(true);
  });
});

/** `npm start` on free ports (not 3000-3002, where another run may be), until it prints the export lines. */

describe('npm start and `npm run admin` in a second terminal', () => {
  it('the demo prints export lines; the admin binary, run with them, registers Site C in the running demo', async () => {
    const { demo, exported, issuer } = await startDemo();
    try {
      expect(exported).toEqual({ SSO_ADMIN_ISSUER: issuer, SSO_ADMIN_CLIENT_ID: 'demo-admin', SSO_ADMIN_CLIENT_SECRET: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });

      const added = await runEntry('src/bin/admin.ts', ['clients', 'add', '--name', 'Site C', '--redirect-uri', 'http://site-c.localhost:3003/callback', '--json'], exported, { timeoutMs: 60_000 });
      expect(added).toMatchObject({ code: 0 });
      const [row] = jsonOf<ClientRow[]>(added.output);
      expect(row).toMatchObject({ name: 'Site C', client_secret: expect.any(String) });

      const listed = await runEntry('src/bin/admin.ts', ['clients', 'list', '--json'], exported, { timeoutMs: 60_000 });
      expect(listed.code).toBe(0);
      expect(jsonOf<ClientRow[]>(listed.output).find((client) => client.client_id === row!.client_id)).toMatchObject({ name: 'Site C', redirect_uris: 'http://site-c.localhost:3003/callback' });
    } finally {
      await demo.stop();
    }
  }, 120_000);

  // Needs the users routes (another branch).
  it('the admin binary adds Dora to the running demo, the secret and then her password read from stdin', async () => {
    const { demo, exported } = await startDemo();
    try {
      const { SSO_ADMIN_CLIENT_SECRET: secret, ...withoutSecret } = exported;
      const added = await runEntry('src/bin/admin.ts', ['users', 'add', '--email', 'dora@example.com', '--name', 'Dora', '--json'], withoutSecret, { timeoutMs: 60_000, input: `${secret}\nexplorer-123\n` });
      expect(added.code === 0 ? 'exit 0' : added.output).toBe('exit 0'); // what it printed, when it failed
      expect(jsonOf<{ email: string }[]>(added.output)[0]).toMatchObject({ email: 'dora@example.com', name: 'Dora' });
      const listed = await runEntry('src/bin/admin.ts', ['users', 'list', '--json'], exported, { timeoutMs: 60_000 });
      expect(jsonOf<{ email: string }[]>(listed.output).map((user) => user.email)).toContain('dora@example.com');
    } finally {
      await demo.stop();
    }
  }, 120_000);
});
