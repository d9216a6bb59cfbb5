/**
 * The Management API's /users: people created, listed, changed, disabled, reset and deleted over
 * HTTP, with the same rules and the same endings of access as registration, the account page and
 * the admin CLI. Every answer, success or failure, is checked against the API's own OpenAPI
 * document, and no answer ever carries a password hash.
 */
import { ALL_SCOPES, callApi, createAdminClient, expectDocumented, managementToken, type ApiReply } from '../support/management.js';
import { HttpClient } from '../support/http-client.js';
import { deliveriesSettled } from '../support/deliveries.js';
import { signInAt } from '../support/journeys.js';
import { startStack, type RunningIdp, type Stack } from '../support/stack.js';
import { expectOnePageRead } from '../support/one-page-reads.js';
import { AppError } from '../../src/errors.js';

let stack: Stack;
let idp: RunningIdp;
let token: string;
let readOnly: string;
let sessionsReadOnly: string;
/** Every answer of every call, as raw JSON text, for the last test. */
const seen: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  idp = stack.idp;
  token = await managementToken(idp, await createAdminClient(idp, ALL_SCOPES, 'Users admin'));
  const reader = await createAdminClient(idp, ['admin:users:read', 'admin:sessions:read'], 'Users reader');
  readOnly = await managementToken(idp, reader, ['admin:users:read', 'admin:sessions:read']);
  const sessionsReader = await createAdminClient(idp, ['admin:sessions:read'], 'Sessions reader');
  sessionsReadOnly = await managementToken(idp, sessionsReader, ['admin:sessions:read']);
});
afterAll(async () => {
  await stack.stop();
});

/** A call whose answer must be what the OpenAPI document promises for `operationId`. */
async function call(operationId: string, method: string, path: string, body?: unknown, options: { token?: string; headers?: Record<string, string> } = {}): Promise<ApiReply> {
  const reply = await callApi(idp, options.token ?? token, method, path, body, options.headers);
  seen.push(JSON.stringify(reply.json ?? null));
  await expectDocumented(idp, token, operationId, reply);
  return reply;
}

let people = 0;
const unique = () => `${Date.now().toString(36)}-${(people += 1)}`;

async function createUser(fields: Record<string, unknown> = {}) {
  const n = unique();
  const person = { email: `person-${n}@example.com`, password: `password-of-${n}`, name: `Person ${n}`, ...fields } as { email: string; password: string; name: string };
  const reply = await call('createUser', 'POST', '/users', person);
  expect(reply.status).toBe(201);
  return { person, user: reply.json as { id: string; email: string; disabled: boolean } };
}

/** Signs in at site-a through the IdP's login page; true when site-a greets the person. */
async function signsIn(credentials: { email: string; password: string }, browser = new HttpClient()): Promise<boolean> {
  return (await signInAt(stack, stack.siteA.url, browser, credentials)).body.includes('Hello');
}

async function signedInBrowser(credentials: { email: string; password: string }): Promise<HttpClient> {
  const browser = new HttpClient();
  expect(await signsIn(credentials, browser)).toBe(true);
  return browser;
}

/** The IdP still knows the browser: its account page opens without a sign-in. */
async function idpRecognizes(browser: HttpClient): Promise<boolean> {
  const page = await browser.get(`${idp.issuer}/account`);
  if (page.status === 200) return true;
  expect(page.location).toBe(`${idp.issuer}/account/login`);
  return false;
}

/** prompt=none at site-a: signs in silently only while the IdP session lives. */
async function silentSignIn(browser: HttpClient): Promise<boolean> {
  const page = await browser.follow(await browser.get(`${stack.siteA.url}/login?prompt=none`));
  return page.body.includes('Hello');
}

describe('POST /users', () => {
  it('creates a user who can sign in at once, with a Location to fetch it by', async () => {
    const { person, user } = await createUser({ given_name: 'Ada', family_name: 'Lovelace', email_verified: true });
    expect(user).toMatchObject({ email: person.email, name: person.name, given_name: 'Ada', family_name: 'Lovelace', email_verified: true, disabled: false });
    expect(Date.parse((user as unknown as { created_at: string }).created_at)).not.toBeNaN();
    const byLocation = await call('getUser', 'GET', `/users/${user.id}`);
    expect(byLocation.json).toEqual(user);
    expect(await signsIn(person)).toBe(true);
  });

  it('answers the Location header of the user', async () => {
    const n = unique();
    const reply = await call('createUser', 'POST', '/users', { email: `loc-${n}@example.com`, name: 'Loc', password: 'long enough password' });
    expect(reply.headers.get('location')).toBe(`${idp.issuer}/api/v1/users/${reply.json.id}`);
  });

  it('fails with 400 for a password the registration rules refuse, and creates nothing', async () => {
    const email = `weak-${unique()}@example.com`;
    const reply = await call('createUser', 'POST', '/users', { email, name: 'Weak', password: 'short' });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'invalid_input', detail: 'Password must be at least 8 characters' });
    expect(await idp.storage.accounts.findByEmail(email)).toBeUndefined();
  });

  it('fails with 400 for what is not an email, and for a name of spaces', async () => {
    expect((await call('createUser', 'POST', '/users', { email: 'not-an-email', name: 'X', password: 'long enough password' })).json).toMatchObject({ status: 400, code: 'invalid_input' });
    expect((await call('createUser', 'POST', '/users', { email: `spaces-${unique()}@example.com`, name: '   ', password: 'long enough password' })).json).toMatchObject({ status: 400, code: 'invalid_input' });
  });

  it('fails with 409 conflict for an email that exists in another letter case', async () => {
    const { person } = await createUser();
    const reply = await call('createUser', 'POST', '/users', { ...person, email: person.email.toUpperCase() });
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ code: 'conflict', type: 'tag:sso-idp,2026:problem:conflict' });
  });

  it('refuses fields it does not know (no setting the id, a hash or disabled) and wrong types with 400', async () => {
    const base = { email: `extra-${unique()}@example.com`, name: 'Extra', password: 'long enough password' };
    for (const body of [{ ...base, disabled: true }, { ...base, id: 'chosen' }, { ...base, password_hash: '$argon2id$x' }, { ...base, email_verified: 'yes' }, { ...base, name: 42 }, { ...base, password: ['a'] }, [base], 'null']) {
      const reply = await call('createUser', 'POST', '/users', body);
      expect(reply.status).toBe(400);
      // A top-level `null` is refused by the JSON parser itself (strict: objects and arrays only).
      expect(['invalid_input', 'bad_request']).toContain(reply.json.code);
    }
    expect(await idp.storage.accounts.findByEmail(base.email)).toBeUndefined();
  });

  it('fails with 415 for a body that is not JSON, and 413 for one over 64kb', async () => {
    const form = await call('createUser', 'POST', '/users', 'email=a%40b.c&name=x&password=longenough', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const big = await call('createUser', 'POST', '/users', { email: `big-${unique()}@example.com`, name: 'Big', password: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const broken = await call('createUser', 'POST', '/users', '{"email": ');
    expect(broken.status).toBe(400);
  });
});

describe('GET /users', () => {
  it('pages through every user by id, with no duplicates and no gaps', async () => {
    for (let i = 0; i < 5; i += 1) await createUser();
    const all = (await idp.storage.accounts.list()).map((account) => account.id).sort();
    expect(all.length).toBeGreaterThan(4);
    const listed: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages += 1) {
      const reply: ApiReply = await call('listUsers', 'GET', `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      expect(reply.json.items.length).toBeLessThanOrEqual(2);
      listed.push(...reply.json.items.map((item: { id: string }) => item.id));
      cursor = reply.json.next_cursor;
      if (!cursor) break;
    }
    expect(listed).toEqual(all);
  });

  it('reads one page from the store, never every account at once', async () => {
    for (let i = 0; i < 3; i += 1) await createUser();
    await expectOnePageRead(idp.storage.accounts, 'account', () => call('listUsers', 'GET', '/users?limit=2'));
  });

  it('filters by a part of the email in any letter case', async () => {
    const tag = `Needle${unique()}`.replace(/[^A-Za-z0-9]/g, '');
    const { user: a } = await createUser({ email: `a.${tag}@example.com` });
    const { user: b } = await createUser({ email: `${tag.toUpperCase()}.b@example.org` });
    await createUser();
    const reply = await call('listUsers', 'GET', `/users?email=${tag.toLowerCase()}`);
    expect(reply.json.items.map((item: { id: string }) => item.id).sort()).toEqual([a.id, b.id].sort());
    expect(reply.json.next_cursor).toBeNull();
  });

  it('answers an email search the store gave up on (MongoDB past its time bound) as 503 problem+json with Retry-After', async () => {
    const accounts = idp.storage.accounts;
    const { page } = accounts;
    accounts.page = () => Promise.reject(new AppError('overloaded', 'The email search took too long. Search for a longer part of the email.', { expose: true, retryAfterSeconds: 5 }));
    try {
      const reply = await call('listUsers', 'GET', '/users?email=rare');
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(reply.json).toMatchObject({ status: 503, code: 'overloaded', detail: 'The email search took too long. Search for a longer part of the email.' });
    } finally {
      accounts.page = page;
    }
  });

  it('fails with 400 for a limit or cursor it did not give out and for unknown parameters', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=%2E%2E', 'cursor=not_mine', 'sort=email', `email=${'a'.repeat(400)}`]) {
      const reply = await call('listUsers', 'GET', `/users?${query}`);
      expect([query, reply.status]).toEqual([query, 400]);
    }
  });
});

describe('PATCH /users/{user_id}', () => {
  it('changes the names and email_verified, and nothing else', async () => {
    const { user } = await createUser();
    const reply = await call('updateUser', 'PATCH', `/users/${user.id}`, { name: '  New Name ', given_name: 'New', email_verified: true });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ id: user.id, email: user.email, name: 'New Name', given_name: 'New', email_verified: true });
  });

  it('fails with 400 for an empty change, the email, a blank name or a wrong type', async () => {
    const { user } = await createUser();
    for (const body of [{}, { email: 'other@example.com' }, { name: '' }, { name: '   ' }, { email_verified: 'true' }, { disabled: true }, { name: 'x'.repeat(201) }]) {
      expect((await call('updateUser', 'PATCH', `/users/${user.id}`, body)).status).toBe(400);
    }
    expect((await call('getUser', 'GET', `/users/${user.id}`)).json).toEqual(user);
  });
});

describe('POST /users/{user_id}/disable and /enable', () => {
  it('ends a signed-in browser’s IdP session and blocks sign-in until enabled again', async () => {
    const { person, user } = await createUser();
    const browser = await signedInBrowser(person);
    expect(await idpRecognizes(browser)).toBe(true);
    const disabled = await call('disableUser', 'POST', `/users/${user.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.json.user).toMatchObject({ id: user.id, disabled: true });
    expect(disabled.json.ended).toMatchObject({ sessions: 1 });
    expect(disabled.json.ended.apps).toBeGreaterThanOrEqual(1);
    expect(await idpRecognizes(browser)).toBe(false);
    // Site A forgets the browser when its back-channel logout arrives, just after the answer: until
    // then its own session would say Hello whatever the IdP did (a failure seen once under load).
    await deliveriesSettled(idp);
    expect(await silentSignIn(browser)).toBe(false);
    expect(await signsIn(person)).toBe(false);
    expect(await idp.storage.modelStore('Session').findByAccountId(user.id)).toEqual([]);

    const enabled = await call('enableUser', 'POST', `/users/${user.id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.json).toEqual({ user: expect.objectContaining({ id: user.id, disabled: false }) });
    expect(await signsIn(person)).toBe(true);
  });

  it('records who did it in the audit trail', async () => {
    const { user } = await createUser();
    await call('disableUser', 'POST', `/users/${user.id}/disable`);
    const events = await idp.storage.audit.list({ limit: 10, accountId: user.id });
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['account.disabled', 'admin.change']));
    expect(events.find((event) => event.type === 'account.disabled')?.detail).toMatchObject({ by: 'admin', admin_client_id: expect.any(String) });
  });
});

describe('PUT /users/{user_id}/password', () => {
  it('sets the password, ends every session, and the old password no longer signs in', async () => {
    const { person, user } = await createUser();
    const browser = await signedInBrowser(person);
    const reply = await call('setUserPassword', 'PUT', `/users/${user.id}/password`, { password: 'a brand new password' });
    expect(reply.status).toBe(200);
    expect(reply.json.user.id).toBe(user.id);
    expect(reply.json.ended.sessions).toBe(1);
    expect(await idpRecognizes(browser)).toBe(false);
    expect(await signsIn(person)).toBe(false);
    expect(await signsIn({ email: person.email, password: 'a brand new password' })).toBe(true);
  });

  it('fails with 400 for a weak password or an extra field, and changes nothing', async () => {
    const { person, user } = await createUser();
    for (const body of [{ password: 'short' }, { password: 'long enough password', email: 'x@example.com' }, { password: 12345678 }, {}]) {
      expect((await call('setUserPassword', 'PUT', `/users/${user.id}/password`, body)).status).toBe(400);
    }
    expect(await signsIn(person)).toBe(true);
  });
});

describe('sessions and apps of a user', () => {
  it('lists the sessions and apps without cookie values or tokens, and DELETE signs out everywhere', async () => {
    const { person, user } = await createUser();
    const browser = await signedInBrowser(person);
    const listed = await call('listUserSessions', 'GET', `/users/${user.id}/sessions`, undefined, { token: sessionsReadOnly });
    expect(listed.status).toBe(200);
    expect(listed.json.sessions).toHaveLength(1);
    expect(listed.json.sessions[0]).toMatchObject({ client_ids: [stack.siteA.config.clientId], signed_in_at: expect.any(String) });
    expect(listed.json.apps).toEqual([expect.objectContaining({ client_id: stack.siteA.config.clientId, offline_access: false })]);
    const [stored] = await idp.storage.modelStore('Session').findByAccountId(user.id);
    expect(JSON.stringify(listed.json)).not.toContain(stored!.id);
    for (const cookie of await browser.jar.getCookies(idp.issuer)) expect(JSON.stringify(listed.json)).not.toContain(cookie.value);

    const ended = await call('endUserSessions', 'DELETE', `/users/${user.id}/sessions`);
    expect(ended.status).toBe(200);
    expect(ended.json).toEqual({ ended: expect.objectContaining({ sessions: 1 }) });
    expect(await idpRecognizes(browser)).toBe(false);
    expect((await call('listUserSessions', 'GET', `/users/${user.id}/sessions`)).json).toEqual({ sessions: [], apps: [] });
    expect(await signsIn(person)).toBe(true);
  });

  it('revokes one app for the person, as the account page does, and 404s an app that does not exist', async () => {
    const { person, user } = await createUser();
    await signedInBrowser(person);
    const siteA = stack.siteA.config.clientId;
    expect((await call('revokeUserApp', 'DELETE', `/users/${user.id}/apps/${siteA}`)).status).toBe(204);
    const after = await call('listUserSessions', 'GET', `/users/${user.id}/sessions`);
    expect(after.json.apps).toEqual([]);
    expect(after.json.sessions[0].client_ids).toEqual([]);
    expect((await call('revokeUserApp', 'DELETE', `/users/${user.id}/apps/no-such-app`)).status).toBe(404);
    expect((await call('revokeUserApp', 'DELETE', `/users/no-such-user/apps/${siteA}`)).status).toBe(404);
  });
});

describe('DELETE /users/{user_id}', () => {
  it('ends all access, removes the user, and frees the email for a new account', async () => {
    const { person, user } = await createUser();
    const browser = await signedInBrowser(person);
    expect((await call('deleteUser', 'DELETE', `/users/${user.id}`)).status).toBe(204);
    expect(await idpRecognizes(browser)).toBe(false);
    expect((await call('getUser', 'GET', `/users/${user.id}`)).status).toBe(404);
    expect(await idp.storage.modelStore('Grant').findByAccountId(user.id)).toEqual([]);
    expect(await signsIn(person)).toBe(false);
    expect((await call('deleteUser', 'DELETE', `/users/${user.id}`)).status).toBe(404);
    const again = await call('createUser', 'POST', '/users', { ...person, email: person.email.toUpperCase() });
    expect(again.status).toBe(201);
    expect(again.json.id).not.toBe(user.id);
    expect(await signsIn(person)).toBe(true);
  });
});

describe('what an attacker tries', () => {
  const writes = (id: string): [string, string, string, unknown?][] => [
    ['createUser', 'POST', '/users', { email: `w-${unique()}@example.com`, name: 'W', password: 'long enough password' }],
    ['updateUser', 'PATCH', `/users/${id}`, { name: 'Changed' }],
    ['disableUser', 'POST', `/users/${id}/disable`],
    ['enableUser', 'POST', `/users/${id}/enable`],
    ['setUserPassword', 'PUT', `/users/${id}/password`, { password: 'long enough password' }],
    ['deleteUser', 'DELETE', `/users/${id}`],
    ['endUserSessions', 'DELETE', `/users/${id}/sessions`],
    ['revokeUserApp', 'DELETE', `/users/${id}/apps/${stack.siteA.config.clientId}`],
  ];

  it('fails with 403 for every write with a read-only token, and changes nothing', async () => {
    const { person, user } = await createUser();
    for (const [operationId, method, path, body] of writes(user.id)) {
      const reply = await call(operationId, method, path, body, { token: readOnly });
      expect([operationId, reply.status, reply.json.code]).toEqual([operationId, 403, 'insufficient_scope']);
    }
    expect((await call('getUser', 'GET', `/users/${user.id}`, undefined, { token: readOnly })).json).toEqual(user);
    expect(await signsIn(person)).toBe(true);
  });

  it('lets an admin:sessions:read token read sessions only: no users, no writes', async () => {
    const { user } = await createUser();
    expect((await call('listUsers', 'GET', '/users', undefined, { token: sessionsReadOnly })).json).toMatchObject({ status: 403, scope: 'admin:users:read' });
    expect((await call('getUser', 'GET', `/users/${user.id}`, undefined, { token: sessionsReadOnly })).status).toBe(403);
    expect((await call('endUserSessions', 'DELETE', `/users/${user.id}/sessions`, undefined, { token: sessionsReadOnly })).json).toMatchObject({ status: 403, scope: 'admin:sessions:write' });
    expect((await call('revokeUserApp', 'DELETE', `/users/${user.id}/apps/x`, undefined, { token: sessionsReadOnly })).status).toBe(403);
    expect((await call('listUserSessions', 'GET', `/users/${user.id}/sessions`, undefined, { token: sessionsReadOnly })).status).toBe(200);
  });

  it('answers 404 for ids that do not exist on every route', async () => {
    for (const [operationId, method, path, body] of [...writes('no-such-user').slice(1), ['getUser', 'GET', '/users/no-such-user'], ['listUserSessions', 'GET', '/users/no-such-user/sessions']] as [string, string, string, unknown?][]) {
      const reply = await call(operationId, method, path, body);
      expect([operationId, reply.status, reply.json?.code]).toEqual([operationId, 404, 'not_found']);
    }
  });

  it('answers 404 or 400, never 500, for traversal, encoded, control-character and very long ids', async () => {
    const { user } = await createUser();
    for (const id of ['..%2F', '..%2F..%2Fclients', '%2E%2E', `${user.id}%00`, '%00', '%E0%A4%A', `${user.id}%2Fdisable`, '%24where', 'a'.repeat(4000), '%7B%22%24ne%22%3Anull%7D']) {
      const reply = await call('getUser', 'GET', `/users/${id}`);
      expect([id.slice(0, 30), [400, 404].includes(reply.status)]).toEqual([id.slice(0, 30), true]);
      const disable = await call('disableUser', 'POST', `/users/${id}/disable`);
      expect([id.slice(0, 30), [400, 404].includes(disable.status)]).toEqual([id.slice(0, 30), true]);
    }
    expect((await call('getUser', 'GET', `/users/${user.id}`)).json.disabled).toBe(false);
  });

  it('never shows a password hash or the access-ended mark in any answer', async () => {
    const { user } = await createUser();
    await call('disableUser', 'POST', `/users/${user.id}/disable`);
    await call('getUser', 'GET', `/users/${user.id}`);
    await call('listUsers', 'GET', '/users?limit=100');
    expect(seen.length).toBeGreaterThan(50);
    const everything = seen.join('\n');
    const hashes = (await idp.storage.accounts.list()).map((account) => account.passwordHash);
    expect(hashes.length).toBeGreaterThan(20);
    for (const hash of hashes) expect(everything).not.toContain(hash);
    for (const secret of ['$argon2', '"password_hash":', '"passwordHash":', '"password":', 'accessEndedAt', 'access_ended']) expect(everything).not.toContain(secret);
  });
});
