/**
 * The browser-facing protocol endpoints of the IdP: authorization (/auth, GET and POST, and the
 * resume address /auth/<uid>) with every parameter made wrong, and RP-initiated logout
 * (/session/end and its confirmation form).
 */
import { encodeSegment, type Pairs } from './encode.js';
import { formBody, junkHeaderValue, mutate, query, request, type Extras, type Surface } from './build.js';
import { someToken } from './credentials.js';
import { huge, junkJson, junkJsonText, junkJwt, junkText, junkValue, randomChars } from './junk.js';
import type { FuzzWorld } from './world.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function authExtras(world: FuzzWorld): Extras {
  return {
    prompt: (r) => r.pick(['none', 'login', 'consent', 'select_account', 'create', 'none login', 'login login', 'unknown']),
    max_age: (r) => r.pick(['0', '-1', '1.5', 'abc', '1e99', '99999999999999999999']),
    acr_values: (r) => r.pick(['urn:mace:incommon:iap:silver', 'phr phrh', junkText(r)]),
    ui_locales: (r) => r.pick(['de-DE fr', '*', 'x'.repeat(300), 'en-US-u-nu-thai', junkText(r)]),
    claims_locales: (r) => junkText(r),
    claims: (r) => r.pick([
      JSON.stringify({ id_token: { email: null, name: { essential: true } } }),
      JSON.stringify({ userinfo: { email: { value: 'alice@example.com' } }, id_token: { auth_time: { essential: 'yes' } } }),
      JSON.stringify(junkJson(r, 4)),
      junkJsonText(r, { id_token: { email: null } }),
      '{"id_token":',
    ]),
    request: (r) => junkJwt(r),
    request_uri: (r) => r.pick(['urn:ietf:params:oauth:request_uri:junk', 'http://127.0.0.1:1/req', 'https://evil.example/req.jwt', 'file:///etc/passwd', junkText(r)]),
    resource: (r) => r.pick([world.apiResource, `${world.apiResource}/`, 'http://unknown.localhost/api', 'https://evil.example/api#frag', 'urn:x', junkText(r)]),
    login_hint: (r) => r.pick(['alice@example.com', 'bob@example.com', junkText(r)]),
    id_token_hint: (r) => (r.chance(0.3) ? world.tokens.id : junkJwt(r)),
    response_mode: (r) => r.pick(['query', 'fragment', 'form_post', 'web_message', 'jwt', 'query.jwt', 'junk']),
    display: (r) => r.pick(['page', 'popup', 'touch', 'wap', 'junk']),
    registration: (r) => JSON.stringify(junkJson(r, 3)),
    code_challenge_method: (r) => r.pick(['plain', 'S256', 's256', 'S512', '']),
    code_challenge: (r) => r.pick(['short', CHALLENGE.repeat(4), `${CHALLENGE.slice(0, 42)}!`, CHALLENGE, junkText(r)]),
    redirect_uri: (r) => r.pick([
      'http://evil.example/callback',
      `${world.clients.siteA.redirectUri}/`,
      `${world.clients.siteA.redirectUri}?x=1`,
      `${world.clients.siteA.redirectUri}#frag`,
      world.clients.siteA.redirectUri.toUpperCase(),
      world.clients.siteB.redirectUri,
      world.clients.siteA.redirectUri.replace('/callback', '/x/../callback'),
      world.clients.siteA.redirectUri.replace('http://', 'http://user@'),
      `${world.clients.siteA.redirectUri}\u0000`,
      'javascript:alert(1)//',
    ]),
    client_id: (r) => r.pick([world.clients.siteB.id, world.clients.thirdParty.id, 'account-console', 'unknown-client', junkText(r)]),
    response_type: (r) => r.pick(['token', 'id_token', 'code id_token', 'code token', 'none', 'code code', 'CODE']),
    scope: (r) => r.pick(['openid offline_access', 'openid api:read', 'profile', 'openid openid openid', '', 'openid\u0000admin', junkText(r)]),
    nonce: (r) => r.pick([huge(r), junkText(r)]),
    state: (r) => r.pick([huge(r), junkText(r)]),
    authorization_details: (r) => JSON.stringify(junkJson(r, 3)),
    dpop_jkt: (r) => junkText(r),
    max_age_extra: (r) => junkText(r),
  };
}

function authPairs(world: FuzzWorld, client = world.clients.siteA): Pairs {
  return [
    ['client_id', client.id],
    ['redirect_uri', client.redirectUri],
    ['response_type', 'code'],
    ['scope', 'openid profile email'],
    ['state', 'fuzz-state'],
    ['nonce', 'fuzz-nonce'],
    ['code_challenge', CHALLENGE],
    ['code_challenge_method', 'S256'],
  ];
}

const authorization: Surface = {
  name: 'idp /auth',
  weight: 14,
  async make(random, world) {
    const client = random.pick([world.clients.siteA, world.clients.siteA, world.clients.thirdParty]);
    const pairs = random.chance(0.05) ? [] : mutate(random, authPairs(world, client), authExtras(world));
    const cookie = random.chance(0.15) ? random.pick([await world.mallorySession(), '_session=junk; _session.sig=junk', `_interaction=${junkHeaderValue(random)}`]) : undefined;
    const method = random.pick(['GET', 'GET', 'GET', 'POST', 'HEAD', 'OPTIONS', 'PUT']);
    // POST /auth and POST /session/end are off here (oidc-provider's enableHttpPostMethods): these
    // posts meet the not-found page, with every kind of body.
    if (method === 'POST') {
      const { body, contentType } = formBody(random, pairs);
      return request(random, world, { surface: 'idp POST /auth', server: 'idp', method, target: '/auth', body, contentType, cookie, expect: 'page' });
    }
    // The resume endpoint (/auth/<uid>) that an interaction returns to, with a forged uid.
    const path = random.chance(0.1) ? `/auth/${encodeSegment(random.chance(0.5) ? randomChars(random, 21) : junkValue(random))}` : '/auth';
    return request(random, world, { surface: `idp ${method === 'GET' ? 'GET' : 'other'} /auth`, server: 'idp', method, target: `${path}${query(pairs)}`, cookie, expect: method === 'GET' || method === 'HEAD' ? 'page' : 'any' });
  },
};

const sessionEnd: Surface = {
  name: 'idp /session/end',
  weight: 5,
  async make(random, world) {
    const cookie = random.chance(0.5) ? await world.mallorySession() : random.chance(0.5) ? '_session=junk' : undefined;
    if (random.chance(0.4)) {
      // The confirmation form: Mallory's real one half the time (its xsrf value and cookie), else a
      // forged xsrf value; logout=yes or junk. A real "yes" ends her session: she signs in again.
      const real = random.chance(0.5) ? await world.logoutForm() : undefined;
      const pairs = mutate(random, [['xsrf', real?.xsrf ?? (random.chance(0.5) ? 'a'.repeat(32) : junkValue(random))], ['logout', 'yes']], { logout: (r) => r.pick(['yes', 'no', '', 'YES', 'true']) });
      const { body, contentType } = formBody(random, pairs);
      return request(random, world, {
        surface: 'idp POST /session/end/confirm',
        server: 'idp',
        method: 'POST',
        target: '/session/end/confirm',
        cookie: real?.cookie ?? cookie,
        body,
        contentType,
        headers: [['Origin', world.idp.origin]],
        expect: 'page',
        after: (reply) => (real && reply.status >= 300 && reply.status < 400 ? world.forgetMallory() : undefined),
      });
    }
    const pairs = mutate(random, [['client_id', world.clients.siteA.id], ['post_logout_redirect_uri', `${world.siteA.origin}/signed-out`], ['state', 'fuzz']], {
      id_token_hint: (r) => (r.chance(0.4) ? world.tokens.id : someToken(r, world)),
      post_logout_redirect_uri: (r) => r.pick(['http://evil.example/bye', `${world.siteA.origin}/signed-out?x=1`, `${world.siteB.origin}/signed-out`, junkText(r)]),
      client_id: (r) => r.pick([world.clients.siteB.id, 'unknown', junkText(r)]),
      ui_locales: (r) => junkText(r),
      logout_hint: (r) => junkText(r),
    });
    const method = random.pick(['GET', 'GET', 'POST']);
    if (method === 'POST') {
      const { body, contentType } = formBody(random, pairs);
      return request(random, world, { surface: 'idp POST /session/end', server: 'idp', method, target: '/session/end', cookie, body, contentType, expect: 'page' });
    }
    return request(random, world, { surface: 'idp GET /session/end', server: 'idp', method, target: `/session/end${query(pairs)}`, cookie, expect: 'page' });
  },
};

export const IDP_AUTHORIZATION_SURFACES: Surface[] = [authorization, sessionEnd];
