/**
 * The two sample sites: their sign-in start and callback (junk code, state, iss and error, with
 * and without a real login transaction), sign-out, back-channel logout with junk and with
 * IdP-signed logout tokens of the wrong shape, site-b's API with junk and forged access tokens, and
 * forged session cookies.
 */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { formBody, junkHeaderValue, mutate, query, request, type Surface } from './build.js';
import { encodePairs, encodeSegment, type Pairs } from './encode.js';
import { huge, junkJson, junkJwt, junkText } from './junk.js';
import type { Random } from './random.js';
import type { FuzzWorld } from './world.js';

type Site = 'site-a' | 'site-b';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Claims of a logout token or access token made wrong one field at a time (signed with the IdP's real key). */
function wrongClaims(random: Random, valid: Record<string, unknown>): Record<string, unknown> {
  const claims = { ...valid };
  for (const key of random.some(Object.keys(claims), 3)) {
    if (random.chance(0.3)) delete claims[key];
    else claims[key] = random.pick<unknown>([junkJson(random, 2), '', 0, -1, 1e308, null, [claims[key], claims[key]], { $ne: null }, String(claims[key])]);
  }
  if (random.chance(0.2)) claims.nonce = 'n';
  return claims;
}

async function logoutToken(random: Random, world: FuzzWorld, site: Site): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const audience = site === 'site-a' ? world.clients.siteA.id : world.clients.siteB.id;
  // A random sid/sub: never a real person's session, so the fuzzer signs nobody out.
  const valid = { iss: world.idp.origin, aud: audience, iat: now, exp: now + 120, jti: `fuzz-${random.int(0, 1e9)}`, events: { [BACKCHANNEL_EVENT]: {} }, sid: `fuzz-sid-${random.int(0, 1e9)}` };
  switch (random.int(0, 5)) {
    case 0:
    case 1:
      return world.signAsIdp(wrongClaims(random, valid), random.pick([{ typ: 'logout+jwt' }, { typ: 'JWT' }, { typ: junkText(random) }, {}]));
    case 2:
      return world.tokens.id;
    case 3:
      return junkJwt(random);
    default:
      return random.chance(0.5) ? junkText(random) : huge(random);
  }
}

/** Access tokens for site-b's API: the real one, forged ones with the IdP's key, alg confusion, junk. */
async function apiToken(random: Random, world: FuzzWorld): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const valid = { iss: world.idp.origin, aud: world.apiResource, sub: 'fuzz-sub', client_id: world.clients.siteB.id, jti: 'fuzz', iat: now, exp: now + 60, scope: 'api:read' };
  switch (random.int(0, 6)) {
    case 0:
      return world.tokens.apiAccess;
    case 1:
      return world.signAsIdp(wrongClaims(random, valid), { typ: random.pick(['at+jwt', 'JWT', 'application/at+jwt']) });
    case 2: {
      // Algorithm confusion: HS256 keyed with something public.
      const secret = createHash('sha256').update(world.idp.origin).digest();
      return new SignJWT(valid).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(secret);
    }
    case 3:
      return world.tokens.id;
    default:
      return junkJwt(random);
  }
}

function siteSurface(site: Site, weight: number): Surface {
  return {
    name: site,
    weight,
    async make(random, world) {
      const origin = site === 'site-a' ? world.siteA.origin : world.siteB.origin;
      const sessionCookie = site === 'site-a' ? 'site_a_session' : 'site_b_session';
      const forgedSession = `${sessionCookie}=${random.pick([junkHeaderValue(random).replace(/[;,\s]/g, ''), junkJwt(random), 'a'.repeat(5_000)])}`;
      const route = random.int(0, site === 'site-b' ? 11 : 9);
      if (route <= 3) {
        // The callback, half the time with a real login transaction so junk reaches the code
        // exchange, and some of those with the IdP's real answer (code, state, iss) made wrong.
        const transaction = random.chance(0.5) ? await world.siteTransaction(site, { withAnswer: random.chance(0.4) }) : undefined;
        const answer: Pairs = transaction?.answer ? [...transaction.answer.entries()] : [['code', junkText(random)], ['state', transaction?.state ?? 'fuzz'], ['iss', world.idp.origin]];
        const pairs = mutate(random, answer, {
          error: (r) => r.pick(['access_denied', 'login_required', 'interaction_required', 'server_error', junkText(r)]),
          error_description: (r) => junkText(r),
          iss: (r) => r.pick(['http://evil.example', `${world.idp.origin}/`, junkText(r)]),
          session_state: (r) => junkText(r),
          response: (r) => junkJwt(r),
          id_token: (r) => junkJwt(r),
        });
        return request(random, world, { surface: `${site} GET /callback`, server: site, method: 'GET', target: `/callback${query(pairs)}`, cookie: transaction?.cookie, expect: 'page' });
      }
      if (route === 4) {
        const pairs = mutate(random, [['prompt', 'login'], ['returnTo', '/']], {
          returnTo: (r) => r.pick(['//evil.example', '/\\evil.example', 'http://evil.example', '/%0d%0aSet-Cookie:x=1', '/\u0000', huge(r), junkText(r)]),
          prompt: (r) => r.pick(['none', 'select_account', 'consent', junkText(r)]),
        });
        return request(random, world, { surface: `${site} GET /login`, server: site, method: 'GET', target: `/login${query(pairs)}`, expect: 'page' });
      }
      if (route <= 6) {
        const method = random.pick(['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE']);
        const target = random.pick(['/', '/signed-out', '/signed-out?x=%zz', '/unknown', '/callback/x', '/login/../login', `/${encodeSegment(junkText(random).slice(0, 200))}`]);
        const cookie = random.chance(0.6) ? random.pick([forgedSession, `${site === 'site-a' ? 'site_a' : 'site_b'}_sso_checked=${junkHeaderValue(random).replace(/[;,\s]/g, '')}`, `${site === 'site-a' ? 'site_a' : 'site_b'}_auth=${junkJwt(random)}; ${site === 'site-a' ? 'site_a' : 'site_b'}_auth.sig=x`]) : undefined;
        return request(random, world, { surface: `${site} ${method === 'GET' ? 'GET' : 'other'} pages`, server: site, method, target, cookie, expect: method === 'GET' || method === 'HEAD' ? 'page' : 'any' });
      }
      if (route === 7) {
        const origin_: [string, string][] = random.pick([[['Origin', origin]], [['Origin', 'http://evil.example']], [['Sec-Fetch-Site', 'cross-site']], []]);
        return request(random, world, { surface: `${site} POST /logout`, server: site, method: 'POST', target: '/logout', cookie: random.chance(0.5) ? forgedSession : undefined, headers: origin_, body: junkText(random), contentType: 'application/x-www-form-urlencoded', expect: 'page' });
      }
      if (route <= 9) {
        const token = await logoutToken(random, world, site);
        const pairs: Pairs = mutate(random, [['logout_token', token]], { logout_token: () => token });
        const { body, contentType } = formBody(random, pairs);
        const method = random.chance(0.95) ? 'POST' : 'PUT';
        return request(random, world, {
          surface: `${site} ${method} /backchannel-logout`,
          server: site,
          method,
          target: '/backchannel-logout',
          body: random.chance(0.05) ? `logout_token=${encodePairs([['x', token]]).slice(2)}&logout_token=${'a'.repeat(70_000)}` : body,
          contentType,
          expect: method === 'POST' ? 'oauth' : 'any',
        });
      }
      const token = await apiToken(random, world);
      const authorization: [string, string][] = random.pick<[string, string][]>([
        [['Authorization', `Bearer ${token}`]],
        [['Authorization', `Bearer ${token}`]],
        [['Authorization', `bearer ${token}`]],
        [['Authorization', `Bearer ${token} extra`]],
        [['Authorization', `Bearer ${token}`], ['Authorization', `Bearer ${world.tokens.apiAccess}`]],
        [['Authorization', `Bearer ${'a'.repeat(15_000)}`]],
        [['Authorization', junkHeaderValue(random)]],
        [],
      ]);
      const method = random.pick(['GET', 'GET', 'GET', 'POST', 'HEAD', 'OPTIONS']);
      return request(random, world, { surface: `site-b ${method === 'GET' ? 'GET' : 'other'} /api/me`, server: 'site-b', method, target: `/api/me${random.chance(0.2) ? `?access_token=${encodeSegment(token)}` : ''}`, headers: authorization, expect: method === 'GET' ? 'oauth' : 'any' });
    },
  };
}

export const SITE_SURFACES: Surface[] = [siteSurface('site-a', 6), siteSurface('site-b', 8)];
