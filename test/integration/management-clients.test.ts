/**
 * /api/v1/clients and the OpenAPI document: every answer checked against the document the API
 * publishes, writes going through the same rules as the admin CLI and dynamic registration, and
 * the input an attacker sends first (wrong types, extra fields, huge bodies, other media types).
 */
import { managementApiIdentifier } from '../../src/management/management-api.js';
import { managementRoutes } from '../../src/management/routes/index.js';
import { callApi, createAdminClient, expectDocumented, managementToken, openApiDocumentOf, requestToken, type ApiReply } from '../support/management.js';
import { startIdp, type RunningIdp } from '../support/stack.js';
import { expectOnePageRead } from '../support/one-page-reads.js';

let idp: RunningIdp;
let token: string;

beforeAll(async () => {
  idp = await startIdp();
  token = await managementToken(idp, await createAdminClient(idp));
});
afterAll(() => idp.stop());

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => callApi(idp, token, method, path, body, headers);
const documented = (operationId: string, reply: ApiReply) => expectDocumented(idp, token, operationId, reply);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists exactly the operations the API serves, each with its scope', async () => {
    const document = await openApiDocumentOf(idp, token);
    expect(document).toMatchObject({ openapi: '3.1.0', servers: [{ url: `${idp.issuer}/api/v1` }] });
    const documentedOps = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId} ${operation.security[0].managementToken.join(' ')}`),
    );
    const served = managementRoutes(idp).map((route) => `${route.method.toUpperCase()} ${route.path} ${route.operationId} ${route.scope ?? ''}`.trimEnd());
    expect(documentedOps.map((entry) => entry.trimEnd()).sort()).toEqual(served.sort());
    expect(new Set(served.map((entry) => entry.split(' ')[2])).size).toBe(served.length);
  });

  it('has no documented operation the dispatcher does not answer, and no served path it does not document', async () => {
    const document = await openApiDocumentOf(idp, token);
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{[a-z_]+\}/g, 'no-such-id');
        const reply = await api(method.toUpperCase(), concrete, methods[method].requestBody ? {} : undefined);
        // Reaching the route: its own answer (validation, not found by id), never "no such path" or "method not allowed".
        expect([reply.status, reply.json?.detail]).not.toEqual([404, expect.stringMatching(/There is no \/api\/v1/)]);
        expect(reply.status).not.toBe(405);
      }
    }
    const unknown = await api('GET', '/not-documented');
    expect(unknown).toMatchObject({ status: 404, json: { code: 'not_found' } });
    const wrongMethod = await api('PUT', '/clients');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST, HEAD');
  });
});

describe('/clients', () => {
  const browserApp = { client_name: 'Site C', redirect_uris: ['http://site-c.localhost:3003/callback'] };

  it('creates a browser app with the secret shown once, then shows, lists, updates and deletes it', async () => {
    const created = await api('POST', '/clients', browserApp);
    await documented('createClient', created);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ client_name: 'Site C', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', first_party: false, client_secret: expect.any(String) });
    const id = created.json.client_id as string;
    expect(created.headers.get('location')).toBe(`${idp.issuer}/api/v1/clients/${id}`);
    expect(await idp.clients.find(id)).toMatchObject({ client_name: 'Site C' });

    const shown = await api('GET', `/clients/${id}`);
    await documented('getClient', shown);
    expect(shown.json).not.toHaveProperty('client_secret');

    const updated = await api('PATCH', `/clients/${id}`, { client_name: 'Site C (renamed)', first_party: true });
    await documented('updateClient', updated);
    expect(updated.json).toMatchObject({ client_name: 'Site C (renamed)', first_party: true, redirect_uris: browserApp.redirect_uris });
    expect(await idp.clients.isFirstParty(id)).toBe(true);

    const removed = await api('DELETE', `/clients/${id}`);
    await documented('deleteClient', removed);
    expect(removed.status).toBe(204);
    expect(await idp.clients.find(id)).toBeUndefined();
    const gone = await api('GET', `/clients/${id}`);
    await documented('getClient', gone);
    expect(gone).toMatchObject({ status: 404, json: { code: 'not_found' } });
  });

  it('never returns a client secret from list or show, and returns a new one once on rotate', async () => {
    const created = await api('POST', '/clients', { ...browserApp, client_name: 'Secretive' });
    const first = created.json.client_secret as string;
    const listed = await api('GET', '/clients?limit=100');
    await documented('listClients', listed);
    expect(JSON.stringify(listed.json)).not.toContain(first);
    expect(JSON.stringify(listed.json)).not.toContain('"client_secret":');
    const rotated = await api('POST', `/clients/${created.json.client_id}/secret`);
    await documented('rotateClientSecret', rotated);
    expect(rotated.json.client_secret).toEqual(expect.any(String));
    expect(rotated.json.client_secret).not.toBe(first);
  });

  it('makes a machine client with API grants that get it tokens at once', async () => {
    await idp.resourceServers.save({ identifier: 'http://jobs.localhost/api', name: 'Jobs', scope: 'jobs:run jobs:read' });
    const created = await api('POST', '/clients', { client_name: 'Nightly job', grant_types: ['client_credentials'], api_grants: [{ resource: 'http://jobs.localhost/api', scopes: ['jobs:run'] }] });
    await documented('createClient', created);
    expect(created.json).toMatchObject({ grant_types: ['client_credentials'], redirect_uris: [], api_grants: [{ resource: 'http://jobs.localhost/api', scopes: ['jobs:run'] }] });
    const machine = { id: created.json.client_id as string, secret: created.json.client_secret as string };
    expect((await requestToken(idp, machine, ['jobs:run'], 'http://jobs.localhost/api')).status).toBe(200);
    expect((await requestToken(idp, machine, ['jobs:read'], 'http://jobs.localhost/api')).json.error).toBe('invalid_scope');
    const regranted = await api('PUT', `/clients/${machine.id}/api-grants`, { api_grants: [{ resource: 'http://jobs.localhost/api', scopes: ['jobs:read'] }] });
    await documented('setClientApiGrants', regranted);
    expect((await requestToken(idp, machine, ['jobs:read'], 'http://jobs.localhost/api')).status).toBe(200);
  });

  it('pages through every client with a cursor, without gaps or repeats', async () => {
    for (let n = 0; n < 5; n += 1) await api('POST', '/clients', { ...browserApp, client_name: `Paged ${n}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply: ApiReply = await api('GET', `/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      await documented('listClients', reply);
      expect(reply.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.json.items.map((item: { client_id: string }) => item.client_id));
      cursor = reply.json.next_cursor;
    } while (cursor);
    const all = (await idp.clients.list()).map((client) => client.client_id).sort();
    expect(seen).toEqual(all);
  });

  it('reads one page from the store, never every client at once (anyone may register one)', async () => {
    for (let n = 0; n < 3; n += 1) await api('POST', '/clients', { ...browserApp, client_name: `One page ${n}` });
    await expectOnePageRead(idp.clients, 'client', () => api('GET', '/clients?limit=2'));
  });
});

describe('/clients refuses bad input with a problem document, never a 500', () => {
  it('applies the registration rules of the CLI and /reg (one code path)', async () => {
    for (const body of [
      { client_name: 'No redirect' },
      { client_name: 'Bad redirect', redirect_uris: ['javascript:alert(1)'] },
      { client_name: 'Fragment', redirect_uris: ['http://a.localhost/cb#x'] },
      { client_name: 'Public machine', grant_types: ['client_credentials'], public: true },
      { client_name: 'Grants without the grant', redirect_uris: ['http://a.localhost/cb'], api_grants: [{ resource: 'http://jobs.localhost/api', scopes: ['jobs:run'] }] },
      { client_name: 'Unknown API', grant_types: ['client_credentials'], api_grants: [{ resource: 'http://nowhere.localhost/api', scopes: ['x'] }] },
      { client_name: 'Unoffered scope', grant_types: ['client_credentials'], api_grants: [{ resource: managementApiIdentifier(idp.issuer), scopes: ['admin:everything'] }] },
    ]) {
      const reply = await api('POST', '/clients', body);
      await documented('createClient', reply);
      expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_input', detail: expect.any(String) } });
    }
  });

  it('validates shapes against the schema: wrong types, extra members, empty updates, bad paging', async () => {
    // client_id '-c…': the admin CLI would read it as an option, so no id starts with "-".
    for (const body of [{ client_name: 42 }, { client_name: 'x', redirect_uris: 'http://a.localhost/cb' }, { client_name: 'x', token_endpoint_auth_method: 'none' }, { client_name: '' }, { client_name: 'a\u0000b' }, { client_name: 'Dashed', redirect_uris: ['http://dashed.localhost/cb'], client_id: '-cli-option' }, { client_name: 'Dots', grant_types: ['client_credentials'], client_id: '..' }, { client_name: 'Dot', grant_types: ['client_credentials'], client_id: '.' }, [], 'text']) {
      const reply = await api('POST', '/clients', body);
      await documented('createClient', reply);
      expect(reply.status).toBe(400);
    }
    expect((await api('PATCH', '/clients/some-id', {})).status).toBe(400);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=%00', 'cursor=not*valid', 'limit=1&limit=2', 'unknown=1', '__proto__=x', 'constructor=x']) {
      const reply = await api('GET', `/clients?${query}`);
      await documented('listClients', reply);
      expect(reply.status).toBe(400);
    }
  });

  it('answers 415 to a body that is not JSON, 400 to malformed JSON and 413 to a body over 64 kB', async () => {
    const form = await api('POST', '/clients', 'client_name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form).toMatchObject({ status: 415, json: { code: 'unsupported_media_type' } });
    const broken = await api('POST', '/clients', '{"client_name":', { 'content-type': 'application/json' });
    expect(broken).toMatchObject({ status: 400, json: { code: 'bad_request' } });
    const huge = await api('POST', '/clients', { client_name: 'x'.repeat(70 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('keeps prototype keys as plain data', async () => {
    const reply = await api('POST', '/clients', JSON.parse('{"client_name":"Proto","redirect_uris":["http://p.localhost/cb"],"__proto__":{"first_party":true}}'));
    expect(reply.status).toBe(400);
    expect(({} as Record<string, unknown>).first_party).toBeUndefined();
  });

  it('answers ids that match nothing with 404, however they are spelled', async () => {
    for (const id of ['nope', '..%2F..%2Fjwks', '%2e%2e', 'x'.repeat(300), encodeURIComponent('<script>')]) {
      const reply = await api('GET', `/clients/${id}`);
      expect([404, 400]).toContain(reply.status);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api('GET', '/clients/%E0%A4%A')).status).toBe(400);
  });
});
