/**
 * Initial access tokens an admin can see and revoke (Management API and admin CLI): listed by a
 * handle, never the token; a revoked token registers nothing more; INITIAL_ACCESS_TOKEN's stays
 * the environment's to change.
 */
import { tokenHandle } from '../../src/oidc/initial-access-tokens.js';
import { runCli, runCliOverHttp } from '../support/admin.js';
import { ALL_SCOPES, callApi, createAdminClient, expectDocumented, managementToken } from '../support/management.js';
import { registerClient } from '../support/registration.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

const STATIC_TOKEN = 'static-initial-access-token-for-the-listing-test-0123456789';
let idp: RunningIdp;
let token: string;
let admin: Awaited<ReturnType<typeof createAdminClient>>;

beforeAll(async () => {
  idp = await startIdp({ env: { INITIAL_ACCESS_TOKEN: STATIC_TOKEN } });
  admin = await createAdminClient(idp, ALL_SCOPES, 'Token admin');
  token = await managementToken(idp, admin);
});
afterAll(async () => {
  await idp.stop();
});

const app = (name: string) => ({ client_name: name, redirect_uris: ['https://app.example/callback'] });
const issue = async (body: Record<string, unknown> = {}) => (await callApi(idp, token, 'POST', '/initial-access-tokens', body)).json as { initial_access_token: string };

describe('GET and DELETE /api/v1/initial-access-tokens', () => {
  it('lists the tokens that work by handle, never the token, with the one from the environment marked', async () => {
    const { initial_access_token: issued } = await issue({ single_use: true });
    const listed = await callApi(idp, token, 'GET', '/initial-access-tokens');
    expect(listed.status).toBe(200);
    await expectDocumented(idp, token, 'listInitialAccessTokens', listed);
    const items = (listed.json as { items: { id: string; single_use: boolean; used: boolean; from_environment: boolean }[] }).items;
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: tokenHandle(issued), single_use: true, used: false, from_environment: false }),
        expect.objectContaining({ id: tokenHandle(STATIC_TOKEN), single_use: false, from_environment: true }),
      ]),
    );
    expect(JSON.stringify(listed.json)).not.toContain(issued);
    expect(JSON.stringify(listed.json)).not.toContain(STATIC_TOKEN);
  });

  it('revokes a token: registration refuses it from then on, and the revocation is audited', async () => {
    const { initial_access_token: issued } = await issue();
    expect((await registerClient(idp.issuer, issued, app('Before'))).status).toBe(201);
    const revoked = await callApi(idp, token, 'DELETE', `/initial-access-tokens/${tokenHandle(issued)}`);
    expect(revoked.status).toBe(204);
    const refused = await registerClient(idp.issuer, issued, app('After'));
    expect([refused.status, refused.json.error]).toEqual([401, 'invalid_token']);
    expect((await callApi(idp, token, 'DELETE', `/initial-access-tokens/${tokenHandle(issued)}`)).status).toBe(404);
    const [event] = await idp.storage.audit.list({ limit: 1, type: 'admin.change' });
    expect(JSON.stringify(event)).toContain(tokenHandle(issued));
    expect(JSON.stringify(event)).not.toContain(issued);
  });

  it('refuses to revoke INITIAL_ACCESS_TOKEN’s token (409), which keeps working', async () => {
    const refused = await callApi(idp, token, 'DELETE', `/initial-access-tokens/${tokenHandle(STATIC_TOKEN)}`);
    expect(refused.status).toBe(409);
    await expectDocumented(idp, token, 'revokeInitialAccessToken', refused);
    expect((await registerClient(idp.issuer, STATIC_TOKEN, app('Static'))).status).toBe(201);
  });

  it('finds nothing by the token itself, or by anything that is not a handle', async () => {
    const { initial_access_token: issued } = await issue();
    for (const id of [issued, 'x', '%2e%2e', 'A'.repeat(200)]) expect((await callApi(idp, token, 'DELETE', `/initial-access-tokens/${encodeURIComponent(id)}`)).status).toBe(404);
    expect((await registerClient(idp.issuer, issued, app('Still works'))).status).toBe(201);
  });

  it('needs admin:tokens:write to list or revoke', async () => {
    const reader = await managementToken(idp, await createAdminClient(idp, ['admin:clients:read'], 'Reader'), ['admin:clients:read']);
    expect((await callApi(idp, reader, 'GET', '/initial-access-tokens')).status).toBe(403);
    expect((await callApi(idp, reader, 'DELETE', `/initial-access-tokens/${tokenHandle(STATIC_TOKEN)}`)).status).toBe(403);
  });
});

describe('a token\'s handle', () => {
  it('is 96 bits of hex, so the admin CLI never reads it as an option (base64url began with "-" one time in 64)', () => {
    for (let n = 0; n < 500; n += 1) expect(tokenHandle(`token-${n}`)).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('the admin CLI', () => {
  it('lists and revokes initial access tokens over HTTP and on the store alike', async () => {
    const env = { issuer: idp.issuer, clientId: admin.id, clientSecret: admin.secret };
    for (const run of [(argv: string[]) => runCliOverHttp(env, argv), (argv: string[]) => runCli(idp, argv)]) {
      const { initial_access_token: issued } = await issue();
      const listed = await run(['tokens', 'list-initial-access', '--json']);
      expect(listed.json()).toEqual(expect.arrayContaining([expect.objectContaining({ id: tokenHandle(issued), used: false })]));
      expect(listed.out).not.toContain(issued);
      expect((await run(['tokens', 'revoke-initial-access', tokenHandle(issued), '--json'])).json()).toEqual([{ id: tokenHandle(issued), revoked: true }]);
      expect((await registerClient(idp.issuer, issued, app('Revoked'))).status).toBe(401);
      const again = await run(['tokens', 'revoke-initial-access', tokenHandle(issued)]);
      expect(again.code).not.toBe(0);
      expect(again.err).toContain('No initial access token');
    }
  });
});
