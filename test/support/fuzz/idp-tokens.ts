/**
 * The IdP's token endpoints: /token with every grant type (and a real code now and then), userinfo
 * (/me) with junk bearer tokens, introspection and revocation, each with client authentication
 * right, wrong or missing and bodies in right and wrong content types.
 */
import type { Pairs } from './encode.js';
import { formBody, mutate, query, request, type Extras, type Surface } from './build.js';
import { basic, clientAuth, someToken } from './credentials.js';
import { junkJson, junkJwt, junkText } from './junk.js';
import type { Random } from './random.js';
import type { FuzzWorld } from './world.js';

const GRANTS = [
  'authorization_code',
  'authorization_code',
  'refresh_token',
  'refresh_token',
  'client_credentials',
  'password',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:openid:params:grant-type:ciba',
];

function tokenExtras(world: FuzzWorld): Extras {
  return {
    code: (r) => someToken(r, world),
    code_verifier: (r) => r.pick(['a'.repeat(43), 'a'.repeat(129), 'short', `${'a'.repeat(42)}~`, junkText(r)]),
    redirect_uri: (r) => r.pick([world.clients.siteA.redirectUri, 'http://evil.example/cb', junkText(r)]),
    refresh_token: (r) => (r.chance(0.3) ? world.tokens.refresh : someToken(r, world)),
    scope: (r) => r.pick(['openid', 'openid offline_access', 'api:read', 'admin', junkText(r)]),
    resource: (r) => r.pick([world.apiResource, 'http://unknown.localhost/api', junkText(r)]),
    grant_type: (r) => r.pick(GRANTS),
    username: (r) => r.pick(['alice@example.com', junkText(r)]),
    password: (r) => junkText(r),
    subject_token: (r) => someToken(r, world),
    assertion: (r) => junkJwt(r),
    device_code: (r) => junkText(r),
    audience: (r) => junkText(r),
  };
}

const token: Surface = {
  name: 'idp /token',
  weight: 12,
  async make(random, world) {
    const grant = random.pick(GRANTS);
    const base: Pairs = [['grant_type', grant]];
    // A real code a quarter of the time, so a junk verifier or redirect_uri meets the PKCE and
    // redirect checks behind it; its right verifier and client half of those times.
    const real = grant === 'authorization_code' && random.chance(0.25) ? await world.authorizationCode() : undefined;
    const honest = real !== undefined && random.chance(0.5);
    if (grant === 'authorization_code') {
      const verifier = real && honest ? real.verifier : random.pick(['a'.repeat(43), real?.verifier.slice(1) ?? 'short', junkText(random)]);
      base.push(['code', real?.code ?? someToken(random, world)], ['redirect_uri', world.clients.siteA.redirectUri], ['code_verifier', verifier]);
    }
    if (grant === 'refresh_token') base.push(['refresh_token', random.chance(0.4) ? world.tokens.refresh : someToken(random, world)]);
    const client = grant === 'refresh_token' && random.chance(0.5) ? world.clients.thirdParty : world.clients.siteA;
    const auth = honest ? { headers: [['Authorization', basic(client.id, client.secret)]] as [string, string][], pairs: [] } : clientAuth(random, world, client);
    const pairs = mutate(random, [...base, ...auth.pairs], tokenExtras(world));
    const { body, contentType } = formBody(random, pairs);
    const method = random.chance(0.9) ? 'POST' : random.pick(['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
    return request(random, world, { surface: method === 'POST' ? 'idp POST /token' : 'idp other /token', server: 'idp', method, target: `/token${random.chance(0.05) ? query(pairs) : ''}`, headers: auth.headers, body, contentType, expect: method === 'POST' ? 'oauth' : 'any' });
  },
};

const bearer = (random: Random, world: FuzzWorld): [string, string][] => {
  const value = someToken(random, world);
  return random.pick<[string, string][]>([
    [['Authorization', `Bearer ${value}`]],
    [['Authorization', `Bearer ${world.tokens.access}`]],
    [['Authorization', `bearer ${value}`]],
    [['Authorization', `Bearer  ${value}`]],
    [['Authorization', `DPoP ${value}`], ['DPoP', junkJwt(random)]],
    [['Authorization', `Basic ${value}`]],
    [['Authorization', `Bearer ${world.tokens.access}`], ['Authorization', `Bearer ${value}`]],
    [['Authorization', 'Bearer']],
    [],
  ]).map(([name, v]) => [name, v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')] as [string, string]);
};

const userinfo: Surface = {
  name: 'idp /me',
  weight: 6,
  async make(random, world) {
    const method = random.pick(['GET', 'GET', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
    const pairs = random.chance(0.3) ? mutate(random, [['access_token', random.chance(0.5) ? world.tokens.access : someToken(random, world)]], { claims: (r) => JSON.stringify(junkJson(r, 3)) }) : [];
    const { body, contentType } = method === 'POST' ? formBody(random, pairs) : { body: undefined, contentType: undefined };
    return request(random, world, {
      surface: `idp ${['GET', 'POST'].includes(method) ? method : 'other'} /me`,
      server: 'idp',
      method,
      target: `/me${method === 'GET' ? query(pairs) : ''}`,
      headers: bearer(random, world),
      body,
      contentType,
      expect: ['GET', 'POST'].includes(method) ? 'oauth' : 'any',
    });
  },
};

function tokenManagement(path: '/token/introspection' | '/token/revocation', weight: number): Surface {
  return {
    name: `idp ${path}`,
    weight,
    async make(random, world) {
      const client = random.pick([world.clients.siteA, world.clients.siteB, world.clients.thirdParty]);
      const auth = clientAuth(random, world, client);
      const pairs = mutate(random, [['token', someToken(random, world)], ...auth.pairs], {
        token_type_hint: (r) => r.pick(['access_token', 'refresh_token', 'id_token', 'urn:ietf:params:oauth:token-type:jwt', junkText(r)]),
        token: (r) => someToken(r, world),
      });
      const { body, contentType } = formBody(random, pairs);
      const method = random.chance(0.9) ? 'POST' : random.pick(['GET', 'PUT', 'OPTIONS']);
      return request(random, world, { surface: `idp ${method === 'POST' ? 'POST' : 'other'} ${path}`, server: 'idp', method, target: path, headers: auth.headers, body, contentType, expect: method === 'POST' ? 'oauth' : 'any' });
    },
  };
}

export const IDP_TOKEN_SURFACES: Surface[] = [token, userinfo, tokenManagement('/token/introspection', 5), tokenManagement('/token/revocation', 4)];
