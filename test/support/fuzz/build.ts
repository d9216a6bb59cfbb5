/**
 * The parts fuzzed requests share: headers for each server, hostile extra headers, parameter lists
 * mutated away from a valid baseline, and bodies in right and wrong content types.
 */
import { encodePairs, verbatim, type Pairs, type Value } from './encode.js';
import type { Expectation, FuzzRequest, Server } from './fuzz-request.js';
import { huge, junkText, junkValue, randomChars } from './junk.js';
import type { Random } from './random.js';
import { ATTACKERS, type FuzzWorld } from './world.js';

export type Surface = {
  name: string;
  /** Share of the run, relative to the other surfaces. */
  weight: number;
  make(random: Random, world: FuzzWorld): Promise<FuzzRequest>;
};

/** Extra parameters a mutation may add, each with a generator of plausible-but-wrong values. */
export type Extras = Record<string, (random: Random) => Value>;

const JUNK_FORWARDED_FOR = ['unknown', '::ffff:203.0.113.99', '203.0.113.1, 10.0.0.1', '[2001:db8::5]:443', '999.999.999.999', 'fe80::1%eth0', '', '2001:db8:0:0:0:0:0:1,2001:db8::2'];

/** X-Forwarded-For as the IdP's trusted proxy would send it: one of a few attacker addresses, sometimes junk. */
function forwardedFor(random: Random): [string, string][] {
  if (random.chance(0.9)) return [['X-Forwarded-For', random.pick(ATTACKERS)]];
  return random.chance(0.5) ? [['X-Forwarded-For', random.pick(JUNK_FORWARDED_FOR)]] : [['X-Forwarded-For', random.pick(ATTACKERS)], ['X-Forwarded-For', junkHeaderValue(random)]];
}

/** A header value that an HTTP parser accepts (visible ASCII and Latin-1, spaces and tabs). */
export function junkHeaderValue(random: Random): string {
  const text = junkText(random).replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
  return text.length > 4_000 ? text.slice(0, 4_000) : text;
}

const ODD_HEADERS: ((random: Random, world: FuzzWorld) => [string, string])[] = [
  (random) => ['Accept', random.pick(['application/json', 'text/html', '*/*', 'image/png', 'application/jwt', '', 'text/html;q=0, application/json;q=0', junkHeaderValue(random)])],
  (random) => ['Accept-Language', random.pick(['de-DE,de;q=0.9', '*', 'x-klingon', 'en;q=abc', 'zz-ZZ-u-ca-buddhist', junkHeaderValue(random)])],
  (random) => ['Accept-Encoding', random.pick(['gzip, deflate, br', 'identity;q=0', '*;q=0', junkHeaderValue(random)])],
  (random) => ['Accept-Charset', random.pick(['utf-7', 'iso-8859-1;q=0', junkHeaderValue(random)])],
  (random) => ['Cookie', random.pick(['_session=junk', '_session=a; _session=b', '_interaction=x; _interaction.sig=y', '_session.legacy=1; _session.sig=AAAA', '=', ';;;', 'a=%zz', `_session=${'a'.repeat(4000)}`, junkHeaderValue(random)])],
  (random, world) => ['Origin', random.pick(['null', 'http://evil.example', world.idp.origin, world.siteA.origin, `${world.idp.origin}.evil.example`, junkHeaderValue(random)])],
  (random) => ['Sec-Fetch-Site', random.pick(['cross-site', 'same-site', 'same-origin', 'none', junkHeaderValue(random)])],
  (random) => ['Referer', random.pick(['http://evil.example/', '', junkHeaderValue(random)])],
  (random) => ['X-Forwarded-Proto', random.pick(['https', 'http', 'https, http', 'gopher', '', junkHeaderValue(random)])],
  (random) => ['X-Forwarded-Host', random.pick(['evil.example', 'evil.example:99999', '[::1', 'a b', '', junkHeaderValue(random)])],
  (random) => ['X-Forwarded-Port', random.pick(['0', '-1', '99999', 'abc'])],
  (random) => ['If-None-Match', random.pick(['*', 'W/"x"', '"', junkHeaderValue(random)])],
  (random) => ['If-Modified-Since', random.pick(['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT', junkHeaderValue(random)])],
  (random) => ['Range', random.pick(['bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=0-1,0-1,0-1', 'lines=1-2'])],
  (random) => ['Authorization', random.pick(['Bearer', 'Basic', 'Basic Og==', 'Basic !!!', `Bearer ${'a'.repeat(6000)}`, junkHeaderValue(random)])],
  (random) => ['DPoP', random.pick(['x', 'a.b.c', junkHeaderValue(random)])],
  (random) => ['X-HTTP-Method-Override', random.pick(['DELETE', 'PUT', 'PATCH'])],
  (random) => ['Content-Type', random.pick(['application/json', 'text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded; charset=utf-7', junkHeaderValue(random)])],
  (random) => ['User-Agent', junkHeaderValue(random)],
];

/** Sometimes one to three hostile headers more. */
export function oddHeaders(random: Random, world: FuzzWorld): [string, string][] {
  if (!random.chance(0.3)) return [];
  return Array.from({ length: random.int(1, 3) }, () => random.pick(ODD_HEADERS)(random, world));
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

export interface RequestInit {
  surface: string;
  server: Server;
  method: string;
  target: string;
  expect: Expectation;
  headers?: [string, string][];
  cookie?: string;
  body?: string | Buffer;
  contentType?: string;
  after?: FuzzRequest['after'];
}

/** A request with the headers of its server (Host; X-Forwarded-For at the IdP), its cookie, sometimes odd extras. */
export function request(random: Random, world: FuzzWorld, init: RequestInit): FuzzRequest {
  const headers: [string, string][] = [['Host', world.endpoint(init.server).host]];
  if (init.server === 'idp') headers.push(...forwardedFor(random));
  if (init.cookie) headers.push(['Cookie', init.cookie]);
  if (init.contentType !== undefined) headers.push(['Content-Type', init.contentType]);
  // Pages are mostly asked for as a browser asks, so the HTML error pages are what gets exercised.
  if (init.expect === 'page' && random.chance(0.8)) headers.push(['Accept', BROWSER_ACCEPT]);
  headers.push(...(init.headers ?? []), ...oddHeaders(random, world));
  return { surface: init.surface, server: init.server, method: init.method, target: init.target, headers, body: init.body, expect: init.expect, after: init.after };
}

/** Rewrites a valid parameter list: drops, junk values, duplicates, odd names, extra parameters. */
export function mutate(random: Random, pairs: Pairs, extras: Extras = {}): Pairs {
  let out: Pairs = pairs.map(([name, value]) => [name, value]);
  const names = Object.keys(extras);
  for (let n = random.int(1, 4); n > 0; n -= 1) {
    const at = out.length ? random.int(0, out.length - 1) : 0;
    const operation = random.int(0, 9);
    if (operation === 0 && out.length) out.splice(at, 1);
    else if (operation <= 2 && out.length) out[at] = [out[at]![0], junkValue(random)];
    else if (operation === 3 && out.length) out.splice(at, 0, [out[at]![0], random.chance(0.5) ? out[at]![1] : junkValue(random)]);
    else if (operation === 4 && out.length) out[at] = [oddName(random, out[at]![0]), out[at]![1]];
    else if (operation <= 7 && names.length) {
      const name = random.pick(names);
      out.push([name, random.chance(0.8) ? extras[name]!(random) : junkValue(random)]);
    } else if (operation === 8) out.push([junkValue(random), junkValue(random)]);
    else out = random.some(out, out.length);
  }
  return out;
}

function oddName(random: Random, name: Value): Value {
  const text = typeof name === 'string' ? name : name.verbatim;
  return random.pick<Value>([text.toUpperCase(), `${text}[]`, `${text}[0]`, `${text}[__proto__]`, ` ${text}`, `${text}\u0000`, verbatim(`${text}%`), '__proto__', 'constructor[prototype][x]', randomChars(random, 5)]);
}

/** A body for `pairs`: usually a form as expected, sometimes JSON, text, multipart, no type, or huge. */
export function formBody(random: Random, pairs: Pairs): { body: string; contentType?: string } {
  const form = encodePairs(pairs);
  const padded = random.chance(0.08) ? `${form}&pad=${huge(random, 'a')}${random.chance(0.3) ? 'a'.repeat(1_100_000) : ''}` : form;
  switch (random.int(0, 14)) {
    case 0:
      return { body: JSON.stringify(Object.fromEntries(pairs.map(([n, v]) => [typeof n === 'string' ? n : n.verbatim, typeof v === 'string' ? v : v.verbatim]))), contentType: 'application/json' };
    case 1:
      return { body: padded, contentType: 'text/plain' };
    case 2:
      return { body: padded };
    case 3:
      return { body: `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${form}\r\n--x--\r\n`, contentType: random.pick(['multipart/form-data; boundary=x', 'multipart/form-data', 'multipart/form-data; boundary=']) };
    case 4:
      return { body: padded, contentType: random.pick(['application/x-www-form-urlencoded; charset=utf-7', 'application/x-www-form-urlencoded; charset=junk', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded, application/json', 'application/x-www-form-urlencoded;;;']) };
    default:
      return { body: padded, contentType: 'application/x-www-form-urlencoded' };
  }
}

export const query = (pairs: Pairs) => (pairs.length ? `?${encodePairs(pairs)}` : '');
