/**
 * Dynamic client registration (RFC 7591, POST /reg) and its management (RFC 7592, /reg/:id) with
 * junk JSON: deep nesting, huge arrays, wrong types, __proto__ and constructor keys, NUL bytes,
 * bidirectional overrides, impersonating names, and URIs the IdP would fetch.
 */
import { encodeSegment, verbatim, type Value } from './encode.js';
import { junkHeaderValue, request, type Surface } from './build.js';
import { junkJson, junkJsonText, junkValue } from './junk.js';
import type { Random } from './random.js';
import { INITIAL_ACCESS_TOKEN } from './world.js';

/** Client metadata an app might send: the baseline that junk is mixed into. */
const METADATA = {
  client_name: 'Fuzzed App',
  redirect_uris: ['http://fuzzed-app.localhost:9/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  post_logout_redirect_uris: ['http://fuzzed-app.localhost:9/bye'],
  logo_uri: 'https://fuzzed-app.example/logo.png',
  contacts: ['ops@fuzzed-app.example'],
};

const NAME_JUNK = ['Site A', 'Your account', 'S\u0456te A', 'abc\u202Efdp', 'a\u0000b', '\u200B', 'x'.repeat(10_000), '<script>alert(1)</script>'];

function registrationBody(random: Random, base: Record<string, unknown>): string {
  if (random.chance(0.25)) {
    const field = random.pick(['client_name', 'redirect_uris', 'jwks_uri', 'sector_identifier_uri', 'jwks', 'token_endpoint_auth_method', 'backchannel_logout_uri', 'scope', 'default_max_age', 'client_uri', 'contacts']);
    const value = random.pick<unknown>([
      random.pick(NAME_JUNK),
      [random.pick(NAME_JUNK)],
      ['http://127.0.0.1:1/x', 'http://[::1]/x', 'http://0x7f.0.0.1/x', 'http://evil.example/x', 'https://evil.example/x#f'],
      'http://127.1/jwks',
      { keys: [junkJson(random, 3)] },
      junkJson(random, 3),
    ]);
    return JSON.stringify({ ...base, [field]: value });
  }
  return junkJsonText(random, base);
}

const registration: Surface = {
  name: 'idp POST /reg',
  weight: 6,
  async make(random, world) {
    const auth = random.pick<[string, string][]>([
      [['Authorization', `Bearer ${INITIAL_ACCESS_TOKEN}`]],
      [['Authorization', `Bearer ${INITIAL_ACCESS_TOKEN}`]],
      [['Authorization', `Bearer ${junkHeaderValue(random)}`]],
      [['Authorization', `Bearer ${world.tokens.access}`]],
      [],
    ]);
    const method = random.chance(0.9) ? 'POST' : random.pick(['GET', 'PUT', 'DELETE']);
    return request(random, world, {
      surface: method === 'POST' ? 'idp POST /reg' : 'idp other /reg',
      server: 'idp',
      method,
      target: '/reg',
      headers: auth,
      body: registrationBody(random, METADATA),
      contentType: random.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/jose']),
      expect: method === 'POST' ? 'oauth' : 'any',
    });
  },
};

const registrationManagement: Surface = {
  name: 'idp /reg/:id',
  weight: 5,
  async make(random, world) {
    const current = await world.registration();
    const method = random.pick(['GET', 'PUT', 'PUT', 'PUT', 'DELETE', 'POST', 'PATCH']);
    const validToken = random.chance(0.7);
    const id: Value = random.chance(0.8) ? current.clientId : random.pick<Value>([world.clients.siteA.id, verbatim('%'), verbatim('%E0%A4%A'), junkValue(random)]);
    const body = method === 'PUT' || method === 'POST' ? registrationBody(random, current.metadata) : undefined;
    // A DELETE with the right token really deletes: only one in four is allowed to.
    const token = validToken && !(method === 'DELETE' && random.chance(0.75)) ? current.token : junkHeaderValue(random);
    return request(random, world, {
      surface: `idp ${method} /reg/:id`,
      server: 'idp',
      method,
      target: `/reg/${encodeSegment(id)}`,
      headers: [['Authorization', `Bearer ${token}`]],
      body,
      contentType: body === undefined ? undefined : random.pick(['application/json', 'application/json', 'text/plain']),
      expect: ['GET', 'PUT', 'DELETE'].includes(method) ? 'oauth' : 'any',
      after(reply) {
        if (token !== current.token) return;
        // oidc-provider destroys a registration access token presented for another client
        // (actions/registration.js, "client mismatch"): register a new app for what follows.
        if (id !== current.clientId) world.registrationChanged(undefined);
        // RFC 7592 section 2.2: a successful update may rotate the registration access token.
        if (method === 'DELETE' && reply.status === 204) world.registrationChanged(undefined);
        if (method === 'PUT' && reply.status === 200) {
          const { registration_access_token: next, ...metadata } = JSON.parse(reply.body) as Record<string, unknown>;
          world.registrationChanged({ clientId: current.clientId, token: typeof next === 'string' ? next : current.token, metadata });
        }
      },
    });
  },
};

export const IDP_REGISTRATION_SURFACES: Surface[] = [registration, registrationManagement];
