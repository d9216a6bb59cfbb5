/**
 * The authorization matrix of the Management API: every route it serves (enumerated from the
 * route table, so a new route can't be forgotten) against every kind of caller: none, a token for
 * another audience, an expired one, a revoked one, one lacking the route's scope, and one holding
 * exactly that scope. Then bad input on every route that takes a body: a 400 problem document,
 * never a 5xx. Every answer must be one the OpenAPI document lists for the operation.
 */
import { MANAGEMENT_SCOPES, type ManagementScope } from '../../src/management/management-api.js';
import { managementRoutes } from '../../src/management/routes/index.js';
import type { ApiRoute } from '../../src/management/route.js';
import { callApi, createAdminClient, expectDocumented, managementToken, signedWithIdpKey, type AdminClient, type ApiReply } from '../support/management.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
let routes: ApiRoute[];
let full: AdminClient;
let fullToken: string;
/** One client per scope, holding that scope alone; and one per scope holding every other. */
const only = new Map<ManagementScope, string>();
const allBut = new Map<ManagementScope, string>();

beforeAll(async () => {
  idp = await startIdp();
  routes = managementRoutes(idp);
  full = await createAdminClient(idp);
  fullToken = await managementToken(idp, full);
  for (const scope of MANAGEMENT_SCOPES) {
    only.set(scope, await managementToken(idp, await createAdminClient(idp, [scope], `Only ${scope}`), [scope]));
    const others = MANAGEMENT_SCOPES.filter((other) => other !== scope);
    allBut.set(scope, await managementToken(idp, await createAdminClient(idp, others, `All but ${scope}`), others));
  }
});
afterAll(() => idp.stop());

/** A path of the route with ids that name nothing (so no call here changes a real thing by id). */
const pathOf = (route: ApiRoute) => route.path.replace(/\{[a-z_]+\}/g, (name) => (name === '{identifier}' ? encodeURIComponent('http://matrix.localhost/api') : 'matrix-nothing'));
const bodyOf = (route: ApiRoute) => (route.body ? {} : undefined);
const call = (route: ApiRoute, token: string | undefined, body: unknown = bodyOf(route)) => callApi(idp, token, route.method.toUpperCase(), pathOf(route), body);
const name = (route: ApiRoute) => `${route.method.toUpperCase()} ${route.path}`;

async function expectAnswer(route: ApiRoute, reply: ApiReply, status: number, code?: string): Promise<void> {
  const seen = `${name(route)} -> ${reply.status} ${reply.json?.code ?? ''}`;
  expect(seen).toBe(`${name(route)} -> ${status} ${code ?? reply.json?.code ?? ''}`);
  await expectDocumented(idp, fullToken, route.operationId, reply);
}

describe('every route x every caller', () => {
  it('covers every route the API serves, and every scope is some route\'s', () => {
    expect(routes.length).toBeGreaterThanOrEqual(29);
    const used = new Set(routes.map((route) => route.scope).filter(Boolean));
    expect([...MANAGEMENT_SCOPES].filter((scope) => !used.has(scope))).toEqual([]);
  });

  it('no token: 401 token_required', async () => {
    for (const route of routes) await expectAnswer(route, await call(route, undefined), 401, 'token_required');
  });

  it('a token for another audience, or expired: 401 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const wrongAudience = await signedWithIdpKey(idp, full, { aud: 'http://elsewhere.localhost/api', scope: MANAGEMENT_SCOPES.join(' ') });
    const expired = await signedWithIdpKey(idp, full, { iat: now - 900, exp: now - 300, scope: MANAGEMENT_SCOPES.join(' ') });
    for (const route of routes) {
      await expectAnswer(route, await call(route, wrongAudience), 401, 'invalid_token');
      await expectAnswer(route, await call(route, expired), 401, 'invalid_token');
    }
  });

  it('a revoked token: 401 invalid_token', async () => {
    const victim = await createAdminClient(idp, MANAGEMENT_SCOPES, 'Revoked admin');
    const revoked = await managementToken(idp, victim);
    await idp.apiAccess.bumpGeneration(victim.id);
    for (const route of routes) await expectAnswer(route, await call(route, revoked), 401, 'invalid_token');
  });

  it("a token with every scope but the route's: 403 insufficient_scope naming it", async () => {
    for (const route of routes) {
      if (!route.scope) continue;
      const reply = await call(route, allBut.get(route.scope));
      await expectAnswer(route, reply, 403, 'insufficient_scope');
      expect(reply.json.scope).toBe(route.scope);
    }
  });

  it("a token with exactly the route's scope: past authorization, to the route's own answer", async () => {
    for (const route of routes) {
      const reply = await call(route, route.scope ? only.get(route.scope) : fullToken);
      expect(`${name(route)}: ${reply.status}`).not.toMatch(/: (401|403|405|5\d\d)$/);
      await expectDocumented(idp, fullToken, route.operationId, reply);
    }
  });
});

describe('bad input on every route that takes a body', () => {
  const badBodies: [string, unknown, Record<string, string>?][] = [
    ['an unknown member', { not_a_field: true }],
    ['an array', []],
    ['a string', 'text'],
    ['null', 'null'],
    ['deep nesting', JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`)],
    ['form encoding', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['broken JSON', '{"a":', { 'content-type': 'application/json' }],
  ];

  it('answers each with a 4xx problem document the OpenAPI entry lists, never a 5xx', async () => {
    for (const route of routes.filter((candidate) => candidate.body)) {
      const token = route.scope ? only.get(route.scope)! : fullToken;
      for (const [what, body, headers] of badBodies) {
        const reply = await callApi(idp, token, route.method.toUpperCase(), pathOf(route), body, headers);
        expect(`${name(route)} with ${what}: ${reply.status}`).toMatch(/: 4\d\d$/);
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        await expectDocumented(idp, fullToken, route.operationId, reply);
      }
    }
  });
});
