/**
 * Our own pages at the IdP: the interaction steps (login, account chooser, consent, cancel) and the
 * account page. Real pages with their cookies get junk fields; forged uids, missing cookies, wrong
 * content types, huge fields and cross-site origins get the refusals.
 */
import { encodeSegment, verbatim, type Pairs, type Value } from './encode.js';
import { formBody, mutate, query, request, type Surface } from './build.js';
import { huge, junkText, junkValue, randomChars } from './junk.js';
import type { Random } from './random.js';
import type { FuzzWorld, PageHandle } from './world.js';

const STEPS = ['', '/login', '/login', '/login', '/continue', '/confirm', '/abort', '/unknown'];

/** A forged uid: random, too long, path tricks, broken escapes. */
function forgedUid(random: Random): Value {
  return random.pick<Value>([randomChars(random, 21), 'a'.repeat(21), 'a'.repeat(5_000), '..', verbatim('%2e%2e'), verbatim('%'), verbatim('%E0%A4%A'), verbatim('%00'), '__proto__', junkValue(random)]);
}

async function somePage(random: Random, world: FuzzWorld): Promise<PageHandle | undefined> {
  switch (random.int(0, 5)) {
    case 0:
    case 1:
    case 2:
      return world.loginPage();
    case 3:
      return world.consentPage();
    case 4:
      return world.chooserPage();
    default:
      return undefined;
  }
}

/** Login fields: an unknown email, Bob's (never Alice's, who signs in at the end), junk. */
function loginPairs(random: Random): Pairs {
  return mutate(random, [['email', random.pick(['bob@example.com', 'nobody@example.com', junkText(random)])], ['password', random.pick(['wrong-password', '', huge(random), junkText(random)])]], {
    email: (r) => r.pick(['BOB@EXAMPLE.COM', ' bob@example.com', 'bob@example.com\u0000', `${'a'.repeat(400)}@example.com`, junkText(r)]),
    password: (r) => r.pick(['a'.repeat(1_025), junkText(r)]),
    remember: (r) => junkText(r),
  });
}

const interaction: Surface = {
  name: 'idp /interaction',
  weight: 12,
  async make(random, world) {
    const page = await somePage(random, world);
    const uid: Value = page && random.chance(0.85) ? page.uid : forgedUid(random);
    const cookie = page && random.chance(0.85) ? page.cookie : random.pick([undefined, '_interaction=junk; _interaction.sig=junk', page?.cookie]);
    const step = random.pick(STEPS);
    const target = `/interaction/${encodeSegment(uid)}${step}`;
    const method = step === '' || step === '/unknown' ? random.pick(['GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE']) : random.pick(['POST', 'POST', 'POST', 'POST', 'GET', 'PUT']);
    const origin: [string, string][] = random.pick([[['Origin', world.idp.origin]], [['Origin', world.idp.origin]], [['Origin', 'http://evil.example']], [['Origin', 'null']], [['Sec-Fetch-Site', 'cross-site']], []]);
    const surface = `idp ${method === 'GET' || method === 'POST' ? method : 'other'} /interaction/:uid${step === '/unknown' ? '/*' : step}`;
    if (method !== 'POST') return request(random, world, { surface, server: 'idp', method, target: random.chance(0.1) ? `${target}${query(loginPairs(random))}` : target, cookie, expect: method === 'GET' || method === 'HEAD' ? 'page' : 'any' });
    const { body, contentType } = formBody(random, step === '/login' ? loginPairs(random) : mutate(random, [], { email: (r) => junkText(r), confirm: (r) => junkText(r) }));
    return request(random, world, { surface, server: 'idp', method, target, cookie, headers: origin, body, contentType, expect: 'page' });
  },
};

const account: Surface = {
  name: 'idp /account',
  weight: 6,
  async make(random, world) {
    const cookie = random.chance(0.6) ? await world.mallorySession() : random.pick([undefined, '_session=junk', 'account_login_state=x; account_login_state.sig=y']);
    const origin: [string, string][] = random.pick([[['Origin', world.idp.origin]], [['Origin', world.idp.origin]], [['Origin', 'http://evil.example']], [['Sec-Fetch-Site', 'cross-site']], []]);
    const route = random.int(0, 7);
    if (route <= 2) {
      const target = random.pick(['/account', '/account/', '/account/login', '/account/callback', '/account/apps', '/account/%zz']);
      const pairs = target === '/account/callback' ? mutate(random, [['state', 'x'], ['code', 'y']], { error: (r) => junkText(r), state: (r) => junkText(r), iss: (r) => junkText(r) }) : [];
      return request(random, world, { surface: 'idp GET /account/*', server: 'idp', method: random.pick(['GET', 'GET', 'HEAD']), target: `${target}${query(pairs)}`, cookie, expect: 'page' });
    }
    const { path, pairs, surface } = random.pick<{ path: string; pairs: Pairs; surface: string }>([
      { path: '/account/password', pairs: mutate(random, [['current_password', 'not-mallorys-password'], ['new_password', 'a-new-password-1']], { new_password: (r) => r.pick(['short', 'a'.repeat(2_000), junkText(r)]) }), surface: 'idp POST /account/password' },
      { path: `/account/apps/${encodeSegment(random.pick<Value>([world.clients.thirdParty.id, world.clients.siteA.id, 'unknown', verbatim('%'), verbatim('%E0%A4%A'), junkValue(random)]))}/revoke`, pairs: [], surface: 'idp POST /account/apps/:id/revoke' },
      { path: '/account/sign-out-everywhere', pairs: mutate(random, [], { confirm: (r) => junkText(r) }), surface: 'idp POST /account/sign-out-everywhere' },
    ]);
    const { body, contentType } = formBody(random, pairs);
    return request(random, world, {
      surface,
      server: 'idp',
      method: 'POST',
      target: path,
      cookie,
      headers: origin,
      body,
      contentType,
      expect: 'page',
      after(reply) {
        // Signed out everywhere (or signed out by some other route): Mallory signs in again.
        if (reply.status === 200 && reply.body.includes('signed out everywhere')) world.forgetMallory();
      },
    });
  },
};

export const IDP_PAGE_SURFACES: Surface[] = [interaction, account];
