/**
 * The Management API's resource servers, initial access tokens, keys and audit events, over real
 * HTTP: what an admin does with each, what a machine client then gets (or no longer gets) at
 * /token, and what a caller without the scope, with a crafted body or an unknown id is answered.
 * Every answer is checked against the API's own OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { managementApiIdentifier, type ManagementScope } from '../../src/management/management-api.js';
import { MAX_PUBLISHED_KEYS } from '../../src/oidc/key-admin.js';
import { callApi, createAdminClient, expectDocumented, managementToken, requestToken, type AdminClient, type ApiReply } from '../support/management.js';
import { registerClient } from '../support/registration.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
let admin: AdminClient;
let token: string;
let own: string;

beforeAll(async () => {
  idp = await startIdp();
  own = managementApiIdentifier(idp.issuer);
  admin = await createAdminClient(idp);
  token = await managementToken(idp, admin);
});
afterAll(async () => {
  await idp.stop();
});

const at = (identifier: string) => `/resource-servers/${encodeURIComponent(identifier)}`;
let serial = 0;
const newIdentifier = () => `https://api${(serial += 1)}.example.test/v1`;

/** Calls and checks the answer against the OpenAPI document in one go. */
async function call(operationId: string, method: string, path: string, body?: unknown, bearer = token, headers?: Record<string, string>): Promise<ApiReply> {
  const reply = await callApi(idp, bearer, method, path, body, headers);
  await expectDocumented(idp, token, operationId, reply);
  return reply;
}

async function machineClient(name = 'Orders job'): Promise<AdminClient> {
  const created = await call('createClient', 'POST', '/clients', { client_name: name, grant_types: ['client_credentials'] });
  expect(created.status).toBe(201);
  return { id: created.json.client_id, secret: created.json.client_secret };
}

describe('PUT, GET and DELETE /resource-servers/{identifier}', () => {
  it('registers an API that a granted machine client gets tokens for, narrows it, and deleting it ends both the tokens and the grant', async () => {
    const identifier = newIdentifier();
    const created = await call('putResourceServer', 'PUT', at(identifier), { name: 'Orders', scopes: ['orders:read', 'orders:write'] });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ identifier, name: 'Orders', scopes: ['orders:read', 'orders:write'], token_format: 'jwt', managed_by_idp: false });
    expect(created.headers.get('location')).toBe(`${idp.issuer}/api/v1${at(identifier)}`);
    expect((await call('getResourceServer', 'GET', at(identifier))).json).toEqual(created.json);

    const machine = await machineClient();
    const granted = await call('setClientApiGrants', 'PUT', `/clients/${machine.id}/api-grants`, { api_grants: [{ resource: identifier, scopes: ['orders:read', 'orders:write'] }] });
    expect(granted.status).toBe(200);
    const issued = await requestToken(idp, machine, ['orders:read', 'orders:write'], identifier);
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.json.access_token as string)).toMatchObject({ aud: identifier, client_id: machine.id, scope: 'orders:read orders:write' });

    // Narrowed: orders:write is gone from the API and from the client's grant.
    const narrowed = await call('putResourceServer', 'PUT', at(identifier), { name: 'Orders', scopes: ['orders:read'], access_token_ttl_seconds: 300 });
    expect(narrowed.status).toBe(200);
    expect(narrowed.json).toMatchObject({ scopes: ['orders:read'], access_token_ttl_seconds: 300 });
    expect((await call('getClient', 'GET', `/clients/${machine.id}`)).json.api_grants).toEqual([{ resource: identifier, scopes: ['orders:read'] }]);
    expect(await requestToken(idp, machine, ['orders:write'], identifier)).toMatchObject({ status: 400, json: { error: 'invalid_scope' } });
    const short = await requestToken(idp, machine, ['orders:read'], identifier);
    expect(short.json.expires_in).toBe(300);
    // Offering the scope again does not hand it back to the client.
    await call('putResourceServer', 'PUT', at(identifier), { name: 'Orders', scopes: ['orders:read', 'orders:write'] });
    expect(await requestToken(idp, machine, ['orders:write'], identifier)).toMatchObject({ status: 400, json: { error: 'invalid_scope' } });

    const deleted = await call('deleteResourceServer', 'DELETE', at(identifier));
    expect(deleted.status).toBe(204);
    expect(await requestToken(idp, machine, ['orders:read'], identifier)).toMatchObject({ status: 400, json: { error: 'invalid_target' } });
    expect((await call('getClient', 'GET', `/clients/${machine.id}`)).json.api_grants).toEqual([]);
    expect((await call('getResourceServer', 'GET', at(identifier))).status).toBe(404);
    expect((await call('deleteResourceServer', 'DELETE', at(identifier))).status).toBe(404);
    // Registered again under the same identifier: the old grant stays gone.
    await call('putResourceServer', 'PUT', at(identifier), { name: 'Orders again', scopes: ['orders:read'] });
    expect(await requestToken(idp, machine, ['orders:read'], identifier)).toMatchObject({ status: 400, json: { error: 'invalid_target' } });
  });

  it('keeps opaque tokens and an introspecting client, which must be an existing confidential client', async () => {
    const identifier = newIdentifier();
    const introspector = await machineClient('Orders API');
    const body = { name: 'Opaque orders', scopes: ['orders:read'], token_format: 'opaque', introspecting_client_id: introspector.id };
    const created = await call('putResourceServer', 'PUT', at(identifier), body);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ token_format: 'opaque', introspecting_client_id: introspector.id });
    const publicApp = await call('createClient', 'POST', '/clients', { client_name: 'Public app', public: true, redirect_uris: ['http://app.localhost:9/cb'] });
    for (const clientId of [publicApp.json.client_id as string, 'no-such-client']) {
      const refused = await call('putResourceServer', 'PUT', at(identifier), { ...body, introspecting_client_id: clientId });
      expect(refused).toMatchObject({ status: 400, json: { code: 'invalid_input', detail: expect.stringContaining('confidential client') } });
    }
    expect((await call('getResourceServer', 'GET', at(identifier))).json.introspecting_client_id).toBe(introspector.id);
  });

  it('lets the Management API record be read but never changed or deleted', async () => {
    const read = await call('getResourceServer', 'GET', at(own));
    expect(read.json).toMatchObject({ identifier: own, managed_by_idp: true, token_format: 'jwt' });
    const changed = await call('putResourceServer', 'PUT', at(own), { name: 'Mine now', scopes: ['admin:clients:read'] });
    expect(changed).toMatchObject({ status: 409, json: { code: 'conflict', detail: expect.stringContaining('Management API itself') } });
    const deleted = await call('deleteResourceServer', 'DELETE', at(own));
    expect(deleted.status).toBe(409);
    expect((await call('getResourceServer', 'GET', at(own))).json).toEqual(read.json);
    expect((await callApi(idp, await managementToken(idp, admin), 'GET', '/clients')).status).toBe(200);
  });

  it('answers 400 for an identifier that is not an absolute URI without fragment, and for bodies out of bounds', async () => {
    for (const identifier of ['orders', 'https://api.example.test/v1#frag', `https://api.example.test/${'a'.repeat(2100)}`]) {
      expect((await call('putResourceServer', 'PUT', at(identifier), { name: 'Bad', scopes: ['a'] })).status).toBe(400);
      expect((await call('getResourceServer', 'GET', at(identifier))).status).toBe(400);
    }
    expect((await callApi(idp, token, 'GET', '/resource-servers/%E0%A4%A')).status).toBe(400);
    const identifier = newIdentifier();
    for (const body of [
      { name: 'Extra', scopes: ['a'], clientCredentialsOnly: true },
      { name: 'x'.repeat(201), scopes: ['a'] },
      { name: 'No scopes', scopes: [] },
      { name: 'Many scopes', scopes: Array.from({ length: 51 }, (_, n) => `s${n}`) },
      { name: 'Twice', scopes: ['a', 'a'] },
      { name: 'Space', scopes: ['a b'] },
      { name: 'Short', scopes: ['a'], access_token_ttl_seconds: 59 },
      { name: 'Long', scopes: ['a'], access_token_ttl_seconds: 86_401 },
      { name: 'Format', scopes: ['a'], token_format: 'paseto' },
      { scopes: ['a'] },
      ['not', 'an', 'object'],
    ]) {
      const reply = await call('putResourceServer', 'PUT', at(identifier), body);
      expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_input' } });
    }
    expect((await call('putResourceServer', 'PUT', at(identifier), '{"name":')).status).toBe(400);
    const notJson = await call('putResourceServer', 'PUT', at(identifier), 'name=x', token, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(notJson.status).toBe(415);
    expect((await call('getResourceServer', 'GET', at(identifier))).status).toBe(404);
  });

  it('answers 400, not 500, for an identifier on the IdP\'s own origin whose path has a malformed escape', async () => {
    const malformed = `${new URL(idp.issuer).origin}/%zz`;
    const put = await call('putResourceServer', 'PUT', at(malformed), { name: 'x', scopes: ['a'] });
    expect(put).toMatchObject({ status: 400, json: { code: 'invalid_input' } });
    expect((await call('deleteResourceServer', 'DELETE', at(malformed))).status).toBe(400);
  });
});

describe('GET /resource-servers', () => {
  it('pages through every server by identifier, the Management API among them', async () => {
    for (let n = 0; n < 3; n += 1) await call('putResourceServer', 'PUT', at(newIdentifier()), { name: `Paged ${n}`, scopes: ['a'] });
    const all = await call('listResourceServers', 'GET', '/resource-servers?limit=100');
    const identifiers = (all.json.items as { identifier: string }[]).map((item) => item.identifier);
    expect(identifiers).toEqual([...identifiers].sort());
    expect(all.json.items).toContainEqual(expect.objectContaining({ identifier: own, managed_by_idp: true }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiReply = await call('listResourceServers', 'GET', `/resource-servers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.json.items as { identifier: string }[]).map((item) => item.identifier));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(identifiers);
    expect((await call('listResourceServers', 'GET', '/resource-servers?limit=0')).status).toBe(400);
    expect((await call('listResourceServers', 'GET', '/resource-servers?cursor=!!')).status).toBe(400);
  });
});

describe('POST /initial-access-tokens', () => {
  const app = { client_name: 'Registered through the API', redirect_uris: ['http://app.localhost:9/cb'] };

  it('issues a token that registers clients at /reg, for 7 days unless told', async () => {
    const issued = await call('createInitialAccessToken', 'POST', '/initial-access-tokens', {});
    expect(issued.status).toBe(201);
    expect(issued.json.single_use).toBe(false);
    expect(Date.parse(issued.json.expires_at) - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect((await registerClient(idp.issuer, issued.json.initial_access_token, app)).status).toBe(201);
    expect((await registerClient(idp.issuer, issued.json.initial_access_token, app)).status).toBe(201);
  });

  it('issues a single-use token that registers exactly one client, with the lifetime asked for', async () => {
    const issued = await call('createInitialAccessToken', 'POST', '/initial-access-tokens', { expires_in_seconds: 3600, single_use: true });
    expect(issued.json.single_use).toBe(true);
    expect(Math.abs(Date.parse(issued.json.expires_at) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    expect((await registerClient(idp.issuer, issued.json.initial_access_token, app)).status).toBe(201);
    expect(await registerClient(idp.issuer, issued.json.initial_access_token, app)).toMatchObject({ status: 401, json: { error: 'invalid_token' } });
  });

  it('refuses lifetimes out of bounds, unknown fields and bodies that are not JSON', async () => {
    for (const body of [{ expires_in_seconds: 59 }, { expires_in_seconds: 31_536_001 }, { expires_in_seconds: 3600.5 }, { single_use: 'yes' }, { value: 'chosen-token' }]) {
      expect((await call('createInitialAccessToken', 'POST', '/initial-access-tokens', body)).status).toBe(400);
    }
    expect((await call('createInitialAccessToken', 'POST', '/initial-access-tokens', undefined)).status).toBe(415);
    expect((await call('createInitialAccessToken', 'POST', '/initial-access-tokens', 'x', token, { 'content-type': 'text/plain' })).status).toBe(415);
  });
});

describe('/keys', () => {
  const material = (reply: ApiReply) => JSON.stringify(reply.json).match(/"(d|p|q|dp|dq|qi|k|n|x|y|secret|material)"/g);

  it('lists keys by state without any key material, and rotation publishes successors that do not sign yet', async () => {
    const listed = await call('listKeys', 'GET', '/keys');
    expect(material(listed)).toBeNull();
    expect(listed.json.next_cursor).toBeNull();
    expect((listed.json.items as { purpose: string; alg?: string; state: string }[]).map((key) => `${key.purpose}:${key.alg ?? '-'}:${key.state}`).sort()).toEqual(['cookie:-:active', 'signing:ES256:active', 'signing:RS256:active']);

    const rotated = await call('rotateKeys', 'POST', '/keys/rotate', { purpose: 'signing' });
    expect(rotated.status).toBe(200);
    expect(material(rotated)).toBeNull();
    expect((rotated.json.items as { state: string; alg: string }[]).map((key) => `${key.alg}:${key.state}`).sort()).toEqual(['ES256:published', 'RS256:published']);
    const signing = await call('listKeys', 'GET', '/keys?purpose=signing');
    expect(material(signing)).toBeNull();
    const states = (signing.json.items as { id: string; state: string; retires_at?: string }[]);
    expect(states.filter((key) => key.state === 'published').map((key) => key.id).sort()).toEqual((rotated.json.items as { id: string }[]).map((key) => key.id).sort());
    expect(states.filter((key) => key.state === 'active').every((key) => key.retires_at !== undefined)).toBe(true);
    expect((signing.json.items as { purpose: string }[]).every((key) => key.purpose === 'signing')).toBe(true);

    // The IdP still issues and verifies: a fresh token works at the API.
    const fresh = await managementToken(idp, admin);
    expect((await callApi(idp, fresh, 'GET', '/keys')).status).toBe(200);

    const pruned = await call('pruneKeys', 'POST', '/keys/prune', {});
    expect(pruned).toMatchObject({ status: 200, json: { removed: [] } });
  });

  it('refuses a purpose that is not signing, cookie (or all, to change)', async () => {
    expect((await call('listKeys', 'GET', '/keys?purpose=all')).status).toBe(400);
    expect((await call('listKeys', 'GET', '/keys?purpose=pseudonym')).status).toBe(400);
    for (const body of [{ purpose: 'pseudonym' }, { purpose: 'bootstrap' }, { purpose: 'signing', extra: true }]) {
      expect((await call('rotateKeys', 'POST', '/keys/rotate', body)).status).toBe(400);
      expect((await call('pruneKeys', 'POST', '/keys/prune', body)).status).toBe(400);
    }
  });

  it(`stops rotating at ${MAX_PUBLISHED_KEYS} published keys of a purpose, with a 409 naming prune`, async () => {
    const published = () => call('listKeys', 'GET', '/keys?purpose=cookie').then((reply) => (reply.json.items as { state: string }[]).filter((key) => key.state !== 'expired').length);
    let count = await published();
    while (count < MAX_PUBLISHED_KEYS) {
      expect((await call('rotateKeys', 'POST', '/keys/rotate', { purpose: 'cookie' })).status).toBe(200);
      count += 1;
    }
    const refused = await call('rotateKeys', 'POST', '/keys/rotate', { purpose: 'cookie' });
    expect(refused).toMatchObject({ status: 409, json: { code: 'conflict', detail: expect.stringContaining('prune') } });
    expect(await published()).toBe(MAX_PUBLISHED_KEYS);
    expect((await callApi(idp, await managementToken(idp, admin), 'GET', '/clients')).status).toBe(200);
  });
});

describe('GET /audit-events', () => {
  it('shows a change made through the API as admin.change, naming the admin client and the thing changed', async () => {
    const identifier = newIdentifier();
    await call('putResourceServer', 'PUT', at(identifier), { name: 'Audited', scopes: ['a'] });
    const reply = await call('listAuditEvents', 'GET', '/audit-events?type=admin.change&limit=5');
    expect(reply.status).toBe(200);
    expect(reply.json.items[0]).toMatchObject({ type: 'admin.change', source: expect.any(String), detail: { operation: 'putResourceServer', by: admin.id, identifier } });
    expect((reply.json.items as { type: string }[]).every((event) => event.type === 'admin.change')).toBe(true);
  });

  it('pages newest first through events sharing one timestamp, each once, filtered by type and user', async () => {
    const type = `test.tie${randomUUID().slice(0, 8)}`;
    const when = new Date(Date.now() - 1000);
    const userId = `acct-${randomUUID()}`;
    const ids: string[] = [];
    for (let n = 0; n < 7; n += 1) {
      const id = randomUUID();
      ids.push(id);
      await idp.storage.audit.append({ id, at: n < 5 ? when : new Date(when.getTime() - 1000), type, accountId: n % 2 ? userId : undefined, detail: { n } }, 3600);
    }
    const seen: { id: string; at: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiReply = await call('listAuditEvents', 'GET', `/audit-events?type=${type}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.json.items);
      cursor = page.json.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen.map((event) => event.id).sort()).toEqual([...ids].sort());
    expect(seen.map((event) => Date.parse(event.at))).toEqual([...seen.map((event) => Date.parse(event.at))].sort((a, b) => b - a));
    const mine = await call('listAuditEvents', 'GET', `/audit-events?type=${type}&user_id=${userId}`);
    expect((mine.json.items as { user_id: string }[]).map((event) => event.user_id)).toEqual([userId, userId, userId]);
    expect(mine.json.next_cursor).toBeNull();
  });

  it('refuses a cursor it did not give out and a malformed type', async () => {
    for (const query of ['cursor=abc', `cursor=${Buffer.from('1.').toString('base64url')}`, 'type=a%20b', 'limit=101', 'other=1']) {
      expect((await call('listAuditEvents', 'GET', `/audit-events?${query}`)).status).toBe(400);
    }
  });
});

describe('403 and 404', () => {
  it('answers insufficient_scope to every write with a read-only token', async () => {
    const readScopes: ManagementScope[] = ['admin:resource-servers:read', 'admin:keys:read', 'admin:audit:read'];
    const reader = await createAdminClient(idp, readScopes, 'Reader');
    const readOnly = await managementToken(idp, reader, readScopes);
    const identifier = newIdentifier();
    for (const [operationId, method, path, body, scope] of [
      ['putResourceServer', 'PUT', at(identifier), { name: 'Nope', scopes: ['a'] }, 'admin:resource-servers:write'],
      ['deleteResourceServer', 'DELETE', at(own), undefined, 'admin:resource-servers:write'],
      ['createInitialAccessToken', 'POST', '/initial-access-tokens', {}, 'admin:tokens:write'],
      ['rotateKeys', 'POST', '/keys/rotate', {}, 'admin:keys:write'],
      ['pruneKeys', 'POST', '/keys/prune', {}, 'admin:keys:write'],
    ] as [string, string, string, unknown, string][]) {
      const reply = await call(operationId, method, path, body, readOnly);
      expect(reply).toMatchObject({ status: 403, json: { code: 'insufficient_scope', scope } });
    }
    expect((await call('getResourceServer', 'GET', at(identifier), undefined, readOnly)).status).toBe(404);
    const noAudit = await managementToken(idp, reader, ['admin:keys:read']);
    expect((await call('listAuditEvents', 'GET', '/audit-events', undefined, noAudit)).status).toBe(403);
    expect((await call('listResourceServers', 'GET', '/resource-servers', undefined, noAudit)).status).toBe(403);
  });
});

describe('POST /keys/rotate on an IdP that refreshes its keys every second', () => {
  let quick: RunningIdp;
  beforeAll(async () => {
    quick = await startIdp({ env: { KEYS_REFRESH_SECONDS: '1' } });
  });
  afterAll(async () => {
    await quick.stop();
  });

  it('signs with the new keys once they are active, and tokens signed before and after both work', async () => {
    const quickAdmin = await createAdminClient(quick);
    const before = await managementToken(quick, quickAdmin);
    const rotated = await callApi(quick, before, 'POST', '/keys/rotate', { purpose: 'all' });
    expect(rotated.status).toBe(200);
    const rs256 = (rotated.json.items as { id: string; alg?: string }[]).find((key) => key.alg === 'RS256')!;
    // Published for two refresh intervals, then active; up to one more for the provider to reload.
    let after = before;
    for (let waited = 0; decodeProtectedHeader(after).kid !== rs256.id && waited < 15_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await managementToken(quick, quickAdmin);
    }
    expect(decodeProtectedHeader(after).kid).toBe(rs256.id);
    const listed = await callApi(quick, after, 'GET', '/keys?purpose=signing');
    expect((listed.json.items as { id: string; state: string }[]).find((key) => key.id === rs256.id)?.state).toBe('active');
    expect((await callApi(quick, after, 'GET', '/clients')).status).toBe(200);
    expect((await callApi(quick, before, 'GET', '/clients')).status).toBe(200);
  });
});
