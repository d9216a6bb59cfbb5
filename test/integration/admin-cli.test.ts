import { loadConfig } from '../../src/config.js';
import { createIdp, type Idp } from '../../src/idp.js';
import { verifyPassword } from '../../src/accounts/passwords.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { managementApiIdentifier, MANAGEMENT_SCOPES } from '../../src/management/management-api.js';
import { runCli } from '../support/admin.js';
import { runEntry } from '../support/spawn.js';

/**
 * The admin CLI's commands run directly on a store (`--direct`), in-process against an IdP on the
 * in-memory store (the real binary needs MONGODB_URI for that: see the last tests). Over HTTP:
 * admin-cli-http.test.ts.
 */
let idp: Idp;
beforeEach(async () => {
  idp = await createIdp(loadConfig({ NODE_ENV: 'test' }), { storage: createMemoryStorage() });
});
afterEach(async () => {
  await idp.close();
});

type ClientRow = { client_id: string; client_secret?: string; first_party: boolean; type: string; grant_types: string; name: string; redirect_uris: string };

describe('admin CLI: clients', () => {
  it('adds a confidential client, printing its secret once, and lists and shows it without the secret', async () => {
    const added = await runCli(idp, ['clients', 'add', '--name', 'Site C', '--redirect-uri', 'http://site-c.localhost:3003/callback', '--json']);
    expect(added.code).toBe(0);
    const [row] = added.json<ClientRow[]>();
    expect(row).toMatchObject({ name: 'Site C', type: 'confidential', first_party: false, client_secret: expect.any(String) });
    const stored = await idp.clients.find(row!.client_id);
    expect(stored?.client_secret).toBe(row!.client_secret);

    const listed = await runCli(idp, ['clients', 'list', '--json']);
    expect(listed.json<ClientRow[]>().map((c) => c.client_id)).toContain(row!.client_id);
    expect(listed.out).not.toContain(row!.client_secret!);
    const shown = await runCli(idp, ['clients', 'show', row!.client_id]);
    expect(shown.out).toContain('Site C');
    expect(shown.out).not.toContain(row!.client_secret!);
  });

  it('adds a public first-party client without a secret', async () => {
    const added = await runCli(idp, ['clients', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example/cb', '--public', '--first-party', '--json']);
    const [row] = added.json<ClientRow[]>();
    expect(row).toMatchObject({ type: 'public', first_party: true });
    expect(row!.client_secret).toBeUndefined();
    expect(await idp.clients.isFirstParty(row!.client_id)).toBe(true);
  });

  it('updates, rotates the secret of and removes a client', async () => {
    const [created] = (await runCli(idp, ['clients', 'add', '--id', 'app-1', '--name', 'One', '--redirect-uri', 'https://one.example/cb', '--json'])).json<ClientRow[]>();
    const updated = await runCli(idp, ['clients', 'update', 'app-1', '--name', 'One renamed', '--redirect-uri', 'https://one.example/new', '--first-party', '--json']);
    expect(updated.json<ClientRow[]>()[0]).toMatchObject({ name: 'One renamed', redirect_uris: 'https://one.example/new', first_party: true });
    const [rotated] = (await runCli(idp, ['clients', 'rotate-secret', 'app-1', '--json'])).json<ClientRow[]>();
    expect(rotated!.client_secret).not.toBe(created!.client_secret);
    expect((await idp.clients.find('app-1'))?.client_secret).toBe(rotated!.client_secret);
    expect((await runCli(idp, ['clients', 'remove', 'app-1'])).code).toBe(0);
    expect(await idp.clients.find('app-1')).toBeUndefined();
  });

  it('adds a confidential machine client with --grant client_credentials: no redirect URI, response_types []', async () => {
    const added = await runCli(idp, ['clients', 'add', '--name', 'Reports job', '--grant', 'client_credentials', '--json']);
    expect(added.code).toBe(0);
    const [row] = added.json<ClientRow[]>();
    expect(row).toMatchObject({ name: 'Reports job', type: 'confidential', grant_types: 'client_credentials', redirect_uris: '', client_secret: expect.any(String) });
    expect(await idp.clients.find(row!.client_id)).toMatchObject({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' });
    // Renaming and rotating the secret of a machine client goes through the same policy.
    expect((await runCli(idp, ['clients', 'update', row!.client_id, '--name', 'Nightly reports'])).code).toBe(0);
    expect((await runCli(idp, ['clients', 'rotate-secret', row!.client_id])).code).toBe(0);
  });

  it('adds a client with both grants, which keeps every rule of a browser client', async () => {
    const both = ['clients', 'add', '--name', 'Both', '--grant', 'authorization_code', '--grant', 'client_credentials'];
    const [row] = (await runCli(idp, [...both, '--redirect-uri', 'https://both.example/cb', '--json'])).json<ClientRow[]>();
    expect(row).toMatchObject({ grant_types: 'authorization_code refresh_token client_credentials', redirect_uris: 'https://both.example/cb' });
    expect((await runCli(idp, [...both, '--redirect-uri', 'http://both.example/cb'])).err).toMatch(/must use https/);
  });

  it('refuses a public or redirecting machine client (exit 1), and an unknown or missing piece of usage (exit 2)', async () => {
    const machine = ['clients', 'add', '--name', 'Job', '--grant', 'client_credentials'];
    const publicOne = await runCli(idp, [...machine, '--public']);
    expect(publicOne).toMatchObject({ code: 1, err: expect.stringMatching(/invalid_client_metadata: client_credentials is for confidential clients only/) });
    const redirecting = await runCli(idp, [...machine, '--redirect-uri', 'https://job.example/cb']);
    expect(redirecting).toMatchObject({ code: 1, err: expect.stringMatching(/invalid_redirect_uri: redirect_uris is for clients that sign people in/) });
    const unknown = await runCli(idp, ['clients', 'add', '--name', 'Job', '--grant', 'password']);
    expect(unknown).toMatchObject({ code: 2, err: expect.stringMatching(/--grant "password" is not one of authorization_code, client_credentials/) });
    expect((await runCli(idp, ['clients', 'add', '--name', 'Job', '--grant', 'authorization_code'])).code).toBe(2); // --redirect-uri is required
    expect((await idp.clients.list()).map((client) => client.client_name)).not.toContain('Job');
  });

  it('bootstraps the first admin client with --admin: a machine client granted every Management API scope', async () => {
    const added = await runCli(idp, ['clients', 'add', '--name', 'Ops admin', '--admin', '--json']);
    expect(added.code).toBe(0);
    expect(added.err).toContain(`Granted every Management API scope at ${managementApiIdentifier(idp.config.issuer)}`);
    const [row] = added.json<ClientRow[]>();
    expect(row).toMatchObject({ grant_types: 'client_credentials', client_secret: expect.any(String) });
    expect(await idp.apiAccess.allowed(row!.client_id, managementApiIdentifier(idp.config.issuer))).toEqual([...MANAGEMENT_SCOPES]);
  });

  it('refuses bad input with a clear message and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['clients', 'add', '--name', 'X', '--redirect-uri', 'http://example.com/cb'], /invalid_redirect_uri: .*must use https/],
      [['clients', 'add', '--name', 'X', '--redirect-uri', 'https://*.example.com/cb'], /wildcards/],
      [['clients', 'add', '--name', 'X', '--redirect-uri', 'https://x.example/cb#frag'], /fragment/],
      [['clients', 'show', 'no-such-client'], /No client with id "no-such-client"/],
      [['clients', 'rotate-secret', 'no-such-client'], /No client/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(idp, argv);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(message);
    }
  });

  it('exits 2 with the usage for a missing required option or a wrong argument count', async () => {
    for (const argv of [['clients', 'add', '--name', 'X'], ['clients', 'show'], ['clients', 'show', 'a', 'b'], ['clients', 'add', '--nmae', 'X'], ['clients', 'update', 'x', '--first-party', '--third-party']]) {
      const run = await runCli(idp, argv);
      expect(run.code).toBe(2);
      expect(run.err).toContain('Usage: npm run admin');
    }
  });
});

describe('admin CLI: users', () => {
  it('adds a user with the password from stdin, lists, disables, enables and sets a new password', async () => {
    const added = await runCli(idp, ['users', 'add', '--email', 'Dora@Example.com', '--name', 'Dora', '--verified', '--json'], { secrets: ['explorer-123'] });
    expect(added.code).toBe(0);
    expect(added.json()[0]).toMatchObject({ email: 'dora@example.com', email_verified: true, disabled: false });
    const account = await idp.storage.accounts.findByEmail('dora@example.com');
    expect(await verifyPassword(account!.passwordHash, 'explorer-123')).toBe(true);

    expect((await runCli(idp, ['users', 'list', '--json'])).json().map((u) => u.email)).toContain('dora@example.com');
    expect((await runCli(idp, ['users', 'disable', 'dora@example.com', '--json'])).json()[0]).toMatchObject({ disabled: true });
    expect((await runCli(idp, ['users', 'enable', 'DORA@example.com', '--json'])).json()[0]).toMatchObject({ disabled: false });
    expect((await runCli(idp, ['users', 'set-password', 'dora@example.com'], { secrets: ['a-new-password'] })).code).toBe(0);
    const changed = await idp.storage.accounts.findByEmail('dora@example.com');
    expect(await verifyPassword(changed!.passwordHash, 'a-new-password')).toBe(true);
  });

  it('never takes a password on the command line and refuses short passwords and duplicate emails', async () => {
    expect((await runCli(idp, ['users', 'add', '--email', 'e@example.com', '--name', 'E', '--password', 'x'])).code).toBe(2);
    const short = await runCli(idp, ['users', 'add', '--email', 'e@example.com', '--name', 'E'], { secrets: ['short'] });
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/at least 8 characters/);
    await runCli(idp, ['users', 'add', '--email', 'e@example.com', '--name', 'E'], { secrets: ['long-enough'] });
    const duplicate = await runCli(idp, ['users', 'add', '--email', 'E@EXAMPLE.COM', '--name', 'E'], { secrets: ['long-enough'] });
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toMatch(/already exists/);
    expect((await runCli(idp, ['users', 'disable', 'nobody@example.com'])).code).toBe(1);
  });
});

describe('admin CLI: tokens and keys', () => {
  it('mints an initial access token with an expiry and a single-use flag', async () => {
    const run = await runCli(idp, ['tokens', 'create-initial-access', '--expires-in', '1h', '--single-use', '--json']);
    const [row] = run.json<{ initial_access_token: string; expires_at: string; single_use: boolean }[]>();
    expect(row!.single_use).toBe(true);
    expect(Date.parse(row!.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const stored = await idp.storage.modelStore('InitialAccessToken').find(row!.initial_access_token);
    expect(stored?.policies).toEqual(['registration-policy', 'single-use']);
    expect((await runCli(idp, ['tokens', 'create-initial-access', '--expires-in', 'soon'])).code).toBe(2);
  });

  it('lists keys, and rotation publishes successors and schedules the current keys to retire', async () => {
    const listed = (await runCli(idp, ['keys', 'list', '--json'])).json<{ purpose: string; alg?: string; state: string }[]>();
    expect(listed.map((r) => `${r.purpose}:${r.alg ?? '-'}:${r.state}`).sort()).toEqual(['cookie:-:active', 'signing:ES256:active', 'signing:RS256:active']);
    const rotated = await runCli(idp, ['keys', 'rotate', '--purpose', 'signing', '--json']);
    expect(rotated.json<{ state: string }[]>().map((r) => r.state)).toEqual(['published', 'published']);
    const after = (await runCli(idp, ['keys', 'list', '--purpose', 'signing'])).out;
    expect(after.split('\n')[0]).toMatch(/^ID\s+PURPOSE\s+ALG\s+STATE/);
    expect((await runCli(idp, ['keys', 'rotate', '--purpose', 'everything'])).code).toBe(2);
  });
});

describe('the admin binary', () => {
  it('refuses to run without MONGODB_URI, explaining why, with exit code 2', async () => {
    const run = await runEntry('src/bin/admin.ts', ['clients', 'list'], { NODE_ENV: 'development' });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/set MONGODB_URI/);
    const direct = await runEntry('src/bin/admin.ts', ['--direct', 'clients', 'list'], { NODE_ENV: 'development' });
    expect(direct.code).toBe(2);
    expect(direct.output).toMatch(/--direct works on the IdP's MongoDB store: set MONGODB_URI/);
  });

  it('with --direct reads the IdP\'s own settings: with none at all, production rules refuse them, exit code 1', async () => {
    const run = await runEntry('src/bin/admin.ts', ['--direct', 'clients', 'list'], {});
    expect(run.code).toBe(1);
    expect(run.output).toContain('Production needs MONGODB_URI');
    expect(run.output).toContain('for a local run set NODE_ENV=development');
  });

  it('prints the usage with exit code 2 when given no command', async () => {
    const run = await runEntry('src/bin/admin.ts', [], {});
    expect(run.code).toBe(2);
    expect(run.output).toContain('clients add');
  });

  it('runs as the installed sso-admin command too', async () => {
    const run = await runEntry('src/bin/sso-admin.js', ['--help'], {});
    expect(run.code).toBe(0);
    expect(run.output).toContain('tokens create-initial-access');
  });
});
