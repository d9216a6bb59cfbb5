/**
 * Hostile values: the inputs an attacker tries first. None of them contains what the invariants
 * look for in answers (stack frames, file paths, error class names), so a reflected value can't
 * pass for a leak.
 */
import type { Random } from './random.js';
import { verbatim, type Value } from './encode.js';

const TEXTS = [
  '',
  ' ',
  '\t',
  '\r\n',
  '0',
  '-1',
  '1e309',
  'NaN',
  '9007199254740993',
  '0x7fffffff',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '[object Object]',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '"><img src=x onerror=alert(1)>',
  "' OR '1'='1",
  '{"$gt":""}',
  '{"$where":"sleep(1000)"}',
  '${7*7}',
  '#{7*7}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'javascript:alert(1)',
  'data:text/html,<b>x</b>',
  'ünïcödé',
  'Ｓｉｔｅ Ａ',
  '\u{1F600}\u{1F469}\u200D\u{1F4BB}',
  'abc\u202Efdp.exe',
  '\u200B\u200C\u200D\uFEFF',
  'a\u0301\u0301\u0301\u0301\u0301',
  '\uD800',
  'x\uDFFFy',
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u0003\u0007\u0008',
  '\u001b[31mred\u001b[0m',
  '\u007f',
  'line1\r\nSet-Cookie: injected=1',
  '%',
  '%%',
  '%25',
  '+',
  '&',
  '=',
  '#',
  '?',
  ';',
  ',',
  '\\',
  '//evil.example',
  'http://evil.example/cb',
  'https://user:pass@evil.example:99999/',
  'http://[::1',
  'http://127.0.0.1:1/',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'openid',
  'S256',
  'plain',
  'none',
];

/** Escapes that are not valid percent-encoding or not valid UTF-8: sent as they are. */
const BROKEN_ESCAPES = ['%', '%z', '%zz', '%E0%A4%A', '%C0%AE%C0%AE', '%FF%FE', '%ED%A0%80', '%00', '%0d%0a', '%%32%65', '%u0041', '%2', '%F0%9F%98'];

/** A long run of one thing: a few KB, past the 16 KB header limit, or past every body limit. */
export function huge(random: Random, unit = random.pick(['a', 'é', '\u{1F600}', '%', '&', '=', ' ', '\u0000'])): string {
  const length = random.pick([300, 4_000, 17_000, 70_000]);
  return unit.repeat(Math.ceil(length / unit.length));
}

export function junkText(random: Random): string {
  const roll = random.next();
  if (roll < 0.65) return random.pick(TEXTS);
  if (roll < 0.75) return huge(random);
  if (roll < 0.9) return random.pick(TEXTS) + random.pick(TEXTS);
  return randomChars(random, random.int(1, 40));
}

/** Any code unit at all, surrogates and controls included. */
export function randomChars(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    const range = random.pick([
      [0x00, 0x1f],
      [0x20, 0x7e],
      [0x20, 0x7e],
      [0x80, 0x2ff],
      [0x590, 0x6ff],
      [0x2000, 0x206f],
      [0xd800, 0xdfff],
      [0xfff0, 0xffff],
    ] as const);
    out += String.fromCharCode(random.int(range[0], range[1]));
  }
  return out;
}

/** Text to encode, or (sometimes) a broken escape written as is. */
export function junkValue(random: Random): Value {
  if (random.chance(0.15)) return verbatim(random.pick(BROKEN_ESCAPES) + (random.chance(0.5) ? random.pick(BROKEN_ESCAPES) : ''));
  return junkText(random);
}

/** Something in the shape of a JWT: three base64url parts of junk, an alg:none token, or a broken one. */
export function junkJwt(random: Random): string {
  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const header = random.pick<unknown>([
    { alg: 'none' },
    { alg: 'HS256', typ: 'JWT' },
    { alg: 'RS256', kid: '../../../../dev/null' },
    { alg: 'RS256', jku: 'http://evil.example/jwks' },
    { alg: 'ES256', crit: ['exp'] },
    { alg: 'RS256', kid: { $ne: null } },
    { alg: 'dir', enc: 'A128GCM' },
    { alg: 'RSA-OAEP', enc: 'A256GCM' },
    'not json',
    [],
    null,
  ]);
  const payload = random.pick<unknown>([
    {},
    { iss: 'http://evil.example', sub: 'alice', aud: ['x', 'y'], exp: 9999999999, iat: 0 },
    { exp: 'tomorrow', iat: -1, nbf: 1e308 },
    { client_id: ['a', 'b'], scope: { openid: true }, sid: 42 },
    junkJson(random, 3),
    'not json',
  ]);
  const parts = [b64(header), b64(payload), random.pick(['', 'c2lnbmF0dXJl', '!!!', randomChars(random, 8)])];
  if (random.chance(0.2)) parts.push(random.pick(['', 'extra', 'a.b']));
  if (random.chance(0.1)) return parts.slice(0, random.int(0, 2)).join('.');
  return parts.join('.');
}

/** A JSON value of the wrong type, shape or size. */
export function junkJson(random: Random, depth = 4): unknown {
  const roll = random.int(0, 12);
  if (depth <= 0 || roll < 4) {
    return random.pick<unknown>([null, true, false, 0, -1, 1.5e308, -0, 2 ** 53 + 1, '', junkText(random), '\u0000', '\u202E', []]);
  }
  if (roll < 7) return Array.from({ length: random.pick([1, 3, 10]) }, () => junkJson(random, depth - 1));
  const object: Record<string, unknown> = {};
  for (let i = random.int(1, 4); i > 0; i -= 1) object[random.pick(['a', '__proto__', 'constructor', 'prototype', '$gt', '$where', 'toString', '', '\u0000', 'client_id'])] = junkJson(random, depth - 1);
  return object;
}

/** JSON text that JSON.stringify can't produce: __proto__ keys, deep nesting, huge arrays, invalid JSON. */
export function junkJsonText(random: Random, valid?: Record<string, unknown>): string {
  switch (random.int(0, 8)) {
    case 0:
      return `${'['.repeat(random.pick([100, 5_000, 60_000]))}${']'.repeat(random.chance(0.5) ? 0 : 100)}`;
    case 1:
      return `{"a":${'{"a":'.repeat(random.pick([100, 10_000]))}1${'}'.repeat(random.pick([0, 100]))}}`;
    case 2:
      return `{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"x":1}},"redirect_uris":["http://app.localhost:9/cb"]}`;
    case 3:
      return `[${Array.from({ length: random.pick([1_000, 100_000]) }, () => '0').join(',')}]`;
    case 4:
      return random.pick(['', 'null', '"string"', '1', '{', '{"a":}', "{'a':1}", '{"a":1,}', '\u0000', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":1}{"b":2}', 'NaN', '[]']);
    case 5:
      return JSON.stringify({ ...valid, ...(junkJson(random, 3) as object) });
    default: {
      // A plausible document with one or more fields made wrong.
      const document: Record<string, unknown> = { ...valid };
      for (const key of random.some(Object.keys(document), 3)) document[key] = junkJson(random, 2);
      if (random.chance(0.4)) document[random.pick(['__proto__', 'constructor', 'client_name', 'extra\u0000', '\u202Ename'])] = junkJson(random, 2);
      return JSON.stringify(document);
    }
  }
}
