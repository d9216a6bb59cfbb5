/**
 * Admin changes to a client that race each other (found by an attacking review, on a store with
 * MongoDB's round trips): a leaked admin client keeps sending harmless changes of itself while a
 * senior admin rotates its secret or deletes it. Each race is staged in the losing order with a
 * gate on the store (test/support/storage-gates.ts): the leaked client's write waits, the admin's
 * change lands, then the write goes on. It must change nothing.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { managementApiIdentifier } from '../../src/management/management-api.js';
import { callApi, createAdminClient, expectDocumented, managementToken, requestToken, type AdminClient } from '../support/management.js';
import { callJson, registerClient, updateRegistration } from '../support/registration.js';
import { startIdp, type RunningIdp } from '../support/stack.js';
import { withGates, type GatedStorage } from '../support/storage-gates.js';

let idp: RunningIdp;
let gates: GatedStorage;
let senior: string;
const INITIAL_ACCESS_TOKEN = randomBytes(32).toString('base64url');
beforeAll(async () => {
  gates = withGates(createMemoryStorage());
  idp = await startIdp({ storage: gates.storage, env: { INITIAL_ACCESS_TOKEN } });
  senior = await managementToken(idp, await createAdminClient(idp, undefined, 'Senior admin'));
});
afterAll(() => idp.stop());

let leaks = 0;
/** An admin client that may change clients, and a token of its own. */
async function leakedAdmin(): Promise<AdminClient & { token: string }> {
  leaks += 1;
  const client = await createAdminClient(idp, ['admin:clients:write'], `Leaked ${leaks}`);
  return { ...client, token: await managementToken(idp, client, ['admin:clients:write']) };
}

const CLIENT_WRITES = ['upsert', 'replaceIfUnchanged', 'insertIfAbsent'] as const;

describe('a change based on a read that another admin change overtook', () => {
  it('does not put a rotated secret back: the change is refused (409) and only the new secret works', async () => {
    const leaked = await leakedAdmin();
    const gate = gates.holdNext('Client', [...CLIENT_WRITES]);
    const rename = callApi(idp, leaked.token, 'PATCH', `/clients/${leaked.id}`, { client_name: 'Still here' });
    await gate.reached;
    const rotated = await callApi(idp, senior, 'POST', `/clients/${leaked.id}/secret`);
    expect(rotated.status).toBe(200);
    gate.release();
    const renamed = await rename;
    expect(renamed.status).toBe(409);
    expect(renamed.json).toMatchObject({ status: 409, code: 'conflict' });
    await expectDocumented(idp, senior, 'updateClient', renamed);
    expect((await requestToken(idp, leaked, ['admin:clients:write'])).status).toBe(401);
    expect((await requestToken(idp, { id: leaked.id, secret: rotated.json.client_secret }, ['admin:clients:write'])).status).toBe(200);
  });

  it('rotates the secret of a client another change overtook: the rotation reads it again, and the change stays', async () => {
    const leaked = await leakedAdmin();
    // The rotation's write (it read the client first) waits while the leaked client renames itself.
    const gate = gates.holdNext('Client', ['replaceIfUnchanged']);
    const rotation = callApi(idp, senior, 'POST', `/clients/${leaked.id}/secret`);
    await gate.reached;
    expect((await callApi(idp, leaked.token, 'PATCH', `/clients/${leaked.id}`, { client_name: 'Renamed meanwhile' })).status).toBe(200);
    gate.release();
    const rotated = await rotation;
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ client_name: 'Renamed meanwhile' });
    expect(await idp.clients.find(leaked.id)).toMatchObject({ client_secret: rotated.json.client_secret, client_name: 'Renamed meanwhile' });
    expect((await requestToken(idp, leaked, ['admin:clients:write'])).status).toBe(401);
  });

  it('does not bring a deleted client back', async () => {
    const leaked = await leakedAdmin();
    const gate = gates.holdNext('Client', [...CLIENT_WRITES]);
    const rename = callApi(idp, leaked.token, 'PATCH', `/clients/${leaked.id}`, { client_name: 'Still here' });
    await gate.reached;
    expect((await callApi(idp, senior, 'DELETE', `/clients/${leaked.id}`)).status).toBe(204);
    gate.release();
    expect((await rename).status).toBe(409);
    expect((await callApi(idp, senior, 'GET', `/clients/${leaked.id}`)).status).toBe(404);
    expect((await requestToken(idp, leaked, ['admin:clients:write'])).status).toBe(401);
  });

  it('leaves no API grant behind a deleted client, for a client created later under its id to inherit', async () => {
    const leaked = await leakedAdmin();
    const gate = gates.holdNext('ClientApiAccess', ['upsert']);
    const regrant = callApi(idp, leaked.token, 'PUT', `/clients/${leaked.id}/api-grants`, {
      api_grants: [{ resource: managementApiIdentifier(idp.issuer), scopes: ['admin:clients:write'] }],
    });
    await gate.reached;
    expect((await callApi(idp, senior, 'DELETE', `/clients/${leaked.id}`)).status).toBe(204);
    gate.release();
    expect((await regrant).status).toBe(404);
    expect(await idp.apiAccess.list(leaked.id)).toEqual([]);
  });

  it('gives a client created under an id no grant left there, whatever wrote it', async () => {
    const id = `reused-${leaks}`;
    // As a grant written just after its client's deletion would have left it.
    await idp.apiAccess.setGrant(id, { resource: managementApiIdentifier(idp.issuer), scopes: ['admin:keys:read'] });
    const clientsOnly = await managementToken(idp, await createAdminClient(idp, ['admin:clients:write'], 'Clients only'), ['admin:clients:write']);
    const created = await callApi(idp, clientsOnly, 'POST', '/clients', { client_id: id, client_name: 'Reused id', grant_types: ['client_credentials'] });
    expect(created.status).toBe(201);
    expect(created.json.api_grants).toEqual([]);
    expect((await requestToken(idp, { id, secret: created.json.client_secret }, ['admin:keys:read'])).status).toBe(400);
  });
});

describe('two creates of a client under the same chosen id', () => {
  it('write one client: the create that comes second is refused (409) and the first keeps its secret and grants', async () => {
    const id = `contested-${leaks}`;
    const clientsOnly = await managementToken(idp, await createAdminClient(idp, ['admin:clients:write'], 'Clients only, racing'), ['admin:clients:write']);
    const gate = gates.holdNext('Client', [...CLIENT_WRITES]);
    // Both found no client with the id before either wrote.
    const late = callApi(idp, clientsOnly, 'POST', '/clients', { client_id: id, client_name: 'Late', grant_types: ['client_credentials'] });
    await gate.reached;
    const first = await callApi(idp, senior, 'POST', '/clients', {
      client_id: id,
      client_name: 'First',
      grant_types: ['client_credentials'],
      api_grants: [{ resource: managementApiIdentifier(idp.issuer), scopes: ['admin:keys:read'] }],
    });
    expect(first.status).toBe(201);
    gate.release();
    const refused = await late;
    expect(refused).toMatchObject({ status: 409, json: { status: 409, code: 'conflict' } });
    expect(JSON.stringify(refused.json)).not.toContain('client_secret');
    await expectDocumented(idp, senior, 'createClient', refused);
    // The grant the late caller could not give stays with the client whose secret it doesn't know.
    expect((await idp.clients.find(id))?.client_secret).toBe(first.json.client_secret);
    expect((await callApi(idp, senior, 'GET', `/clients/${id}`)).json).toMatchObject({ client_name: 'First' });
    expect((await requestToken(idp, { id, secret: first.json.client_secret }, ['admin:keys:read'])).status).toBe(200);
  });
});

describe('a token asked for with the old secret while the secret rotates', () => {
  it('is refused once its generation is read after the rotation, so no token outlives the rotation', async () => {
    const leaked = await leakedAdmin();
    const gate = gates.holdNext('ClientTokenGeneration', ['find']);
    const asked = requestToken(idp, leaked, ['admin:clients:write']);
    await gate.reached;
    expect((await callApi(idp, senior, 'POST', `/clients/${leaked.id}/secret`)).status).toBe(200);
    gate.release();
    const reply = await asked;
    expect(reply).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
  });
});

describe('a dynamically registered client (RFC 7591, 7592) whose secret an admin rotates', () => {
  const register = async () => {
    const registered = await registerClient(idp.issuer, INITIAL_ACCESS_TOKEN, { client_name: 'Registered app', redirect_uris: ['http://app.localhost:9/cb'] });
    expect(registered.status).toBe(201);
    return registered.json;
  };
  const secretOf = async (clientId: string) => (await idp.clients.find(clientId))?.client_secret;
  /** An update of the registered client held at the gate while an admin rotates its secret. */
  async function rotatedDuring(registered: Record<string, unknown>, model: string, methods: Parameters<GatedStorage['holdNext']>[1]) {
    const gate = gates.holdNext(model, methods);
    const update = updateRegistration(registered, { client_name: 'Renamed app' });
    await gate.reached;
    const rotated = await callApi(idp, senior, 'POST', `/clients/${registered.client_id as string}/secret`);
    expect(rotated.status).toBe(200);
    gate.release();
    return { updated: await update, rotated };
  }

  it('loses its registration access token: its holder can read no new secret', async () => {
    const registered = await register();
    expect((await callJson('GET', registered.registration_client_uri as string, { token: registered.registration_access_token as string })).status).toBe(200);
    const rotated = await callApi(idp, senior, 'POST', `/clients/${registered.client_id as string}/secret`);
    expect(rotated.status).toBe(200);
    const read = await callJson('GET', registered.registration_client_uri as string, { token: registered.registration_access_token as string });
    expect(read.status).toBe(401);
    expect(JSON.stringify(read.json)).not.toContain(rotated.json.client_secret as string);
  });

  it('keeps the rotated secret: an update of its own that the rotation overtook is refused', async () => {
    const registered = await register();
    // Not overtaken, an update goes through (with a new secret, as every update here).
    const probe = await updateRegistration(registered, { client_name: 'Probe' });
    expect(probe.status).toBe(200);
    Object.assign(registered, { registration_access_token: probe.json.registration_access_token });
    const { updated, rotated } = await rotatedDuring(registered, 'Client', [...CLIENT_WRITES]);
    expect(updated).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await secretOf(registered.client_id as string)).toBe(rotated.json.client_secret);
  });

  it('gives an update of its own that a rotation landed in the middle of no token that reads the rotated secret', async () => {
    const registered = await register();
    // The update writes its client (with a new secret), then saves its new token: the rotation lands between.
    const { updated, rotated } = await rotatedDuring(registered, 'RegistrationAccessToken', ['upsert']);
    expect(updated.status).toBe(200);
    const read = await callJson('GET', registered.registration_client_uri as string, { token: updated.json.registration_access_token as string });
    expect(read.status).toBe(401);
    expect(JSON.stringify(read.json)).not.toContain(rotated.json.client_secret as string);
    expect(await secretOf(registered.client_id as string)).toBe(rotated.json.client_secret);
  });

  it('answers no request whose token was checked before a rotation with the client after it (the engine reads the client twice)', async () => {
    const secretsSeen: unknown[] = [];
    const read = (registered: Record<string, unknown>) => callJson('GET', registered.registration_client_uri as string, { token: registered.registration_access_token as string });
    const update = (registered: Record<string, unknown>) => updateRegistration(registered, { client_name: 'Renamed app' });
    for (const send of [read, update]) {
      const registered = await register();
      // The token's check reads the client once; the engine's own lookup of it, next, waits.
      const gate = gates.holdNext('Client', ['findJson'], 1);
      const sent = send(registered);
      await gate.reached;
      const rotated = await callApi(idp, senior, 'POST', `/clients/${registered.client_id as string}/secret`);
      expect(rotated.status).toBe(200);
      gate.release();
      const reply = await sent;
      expect(reply.status).toBe(401);
      secretsSeen.push(reply.json.client_secret);
      expect(await secretOf(registered.client_id as string)).toBe(rotated.json.client_secret);
    }
    expect(secretsSeen).toEqual([undefined, undefined]);
  });

  it('is not deleted by a DELETE of its own that a rotation overtook', async () => {
    const registered = await register();
    const gate = gates.holdNext('Client', ['destroy', 'destroyIfUnchanged']);
    const deletion = callJson('DELETE', registered.registration_client_uri as string, { token: registered.registration_access_token as string });
    await gate.reached;
    const rotated = await callApi(idp, senior, 'POST', `/clients/${registered.client_id as string}/secret`);
    expect(rotated.status).toBe(200);
    gate.release();
    expect((await deletion).status).toBe(400);
    expect(await secretOf(registered.client_id as string)).toBe(rotated.json.client_secret);
  });
});
