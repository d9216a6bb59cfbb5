/**
 * HTTP that a browser or fetch() would never send: unknown methods, absolute- and asterisk-form
 * targets, missing or duplicate Host, odd versions, oversized and malformed headers, broken escapes
 * and raw bytes in paths, conflicting body framing, compressed junk, Expect and Upgrade. Written
 * byte for byte; every request is complete, so a server waiting for more is never our doing.
 */
import { gzipSync } from 'node:zlib';
import { request, type Surface } from './build.js';
import type { FuzzRequest, Server } from './fuzz-request.js';
import type { Random } from './random.js';
import type { Endpoint, FuzzWorld } from './world.js';

const PATHS: Record<Server, string[]> = {
  idp: ['/', '/auth', '/token', '/me', '/reg', '/jwks', '/.well-known/openid-configuration', '/interaction/abc', '/interaction/abc/login', '/account', '/session/end', '/token/introspection'],
  'site-a': ['/', '/login', '/callback', '/logout', '/backchannel-logout', '/signed-out'],
  'site-b': ['/', '/login', '/callback', '/api/me', '/backchannel-logout'],
};
const POST_PATHS: Record<Server, string[]> = {
  idp: ['/token', '/reg', '/interaction/abc/login', '/account/password', '/auth', '/session/end/confirm', '/token/revocation'],
  'site-a': ['/backchannel-logout', '/logout'],
  'site-b': ['/backchannel-logout', '/logout'],
};

type Raw = { group: string; raw: string | Buffer; method: string; target: string; mayClose?: boolean };

const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

function variants(random: Random, at: Endpoint): Raw[] {
  const path = random.pick(PATHS[at.server]);
  const post = random.pick(POST_PATHS[at.server]);
  const host = `Host: ${at.host}`;
  const close = 'Connection: close';
  const form = 'grant_type=authorization_code&code=x&email=a%40b&password=x&logout_token=x';
  const method = random.pick(['FOO', 'PROPFIND', 'TRACE', 'M-SEARCH', 'get', 'BREW', 'PURGE', 'SEARCH', 'QUERY', 'MKCOL', 'LINK', 'A'.repeat(100)]);
  return [
    { group: 'methods', method, target: path, raw: crlf(`${method} ${path} HTTP/1.1`, host, close) },
    { group: 'methods', method: 'CONNECT', target: at.host, raw: crlf(`CONNECT ${at.host} HTTP/1.1`, host, close), mayClose: true },
    { group: 'methods', method: 'PRI', target: '*', raw: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', mayClose: true },
    { group: 'targets', method: 'GET', target: 'absolute', raw: crlf(`GET http://${at.host}${path} HTTP/1.1`, host, close) },
    { group: 'targets', method: 'GET', target: 'absolute', raw: crlf(`GET ${random.pick(['http://evil.example/', 'https://evil.example:99999/x', `http://user:pw@${at.host}${path}`, `HTTP://${at.host.toUpperCase()}${path}`, 'http://[::1/', 'file:///etc/passwd', 'javascript:alert(1)'])} HTTP/1.1`, host, close) },
    { group: 'targets', method: 'POST', target: 'absolute', raw: crlf(`POST http://${at.host}${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${form.length}`).replace(/\r\n\r\n$/, `\r\n\r\n${form}`) },
    { group: 'targets', method: random.pick(['OPTIONS', 'GET']), target: '*', raw: crlf(`${random.pick(['OPTIONS', 'GET'])} * HTTP/1.1`, host, close) },
    { group: 'targets', method: 'GET', target: 'odd', raw: crlf(`GET ${random.pick(['?x=1', 'auth', '//', '/..;/', '/\\evil.example', '/%2F%2Fevil.example', '/jwks#frag', '/%', '/%zz', '/%E0%A4%A', '/%C0%AE%C0%AE/%C0%AE%C0%AE/', '/interaction/%00', '/reg/%FF', '/account/apps/%ED%A0%80/revoke', '/callback?code=%&state=%zz', '/auth?&&&==&%=%', '/.well-known/../jwks', `${path}/`, `${path}?${'a=1&'.repeat(2000)}`])} HTTP/1.1`, host, close) },
    { group: 'targets', method: 'GET', target: 'bytes', raw: Buffer.concat([Buffer.from(`GET ${path}`), Buffer.from(random.pick(['/\u00e9', '/\u{1F600}', '/a b', '/\t', '/\u0000', '/\u007f', '?q=\u00ff']), random.chance(0.5) ? 'utf8' : 'latin1'), Buffer.from(` HTTP/1.1\r\n${host}\r\n${close}\r\n\r\n`)]) },
    { group: 'host', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, close) },
    { group: 'host', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, 'Host: evil.example', close) },
    { group: 'host', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, `Host: ${random.pick(['evil.example', '[::1', 'a b', `${at.host.split(':')[0]}:99999`, '', 'localhost:0', '\u00e9.localhost', 'x'.repeat(2000), `${at.host}@evil.example`, '-'])}`, close) },
    { group: 'versions', method: 'GET', target: path, raw: crlf(`GET ${path} ${random.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9.9', 'http/1.1', 'HTTP/1', 'HTTP/1.1 extra'])}`, host, close) },
    { group: 'versions', method: 'GET', target: path, raw: `GET ${path}\r\n\r\n`, mayClose: true },
    { group: 'headers', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, `X-Big: ${'a'.repeat(random.pick([8_000, 17_000, 70_000]))}`, close) },
    { group: 'headers', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, ...Array.from({ length: random.pick([99, 150, 1_000]) }, (_v, n) => `X-H${n}: ${n}`), close) },
    { group: 'headers', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, random.pick(['X-Folded: a\r\n  continued', 'NoColon', 'Bad Name: x', ': empty-name', 'X-Nul: a\u0000b', 'X-Ctl: \u0001\u0002', `X-${'n'.repeat(5_000)}: x`, 'X-Del: \u007f', 'Cookie: \u00ff\u00fe', `Cookie: ${'a=b; '.repeat(2_000)}`, 'Content-Type: \u0000', 'Authorization: Basic \u0000']), close) },
    { group: 'framing', method: 'POST', target: post, raw: crlf(`POST ${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', 'Transfer-Encoding: chunked', `Content-Length: ${form.length}`) + `${form.length.toString(16)}\r\n${form}\r\n0\r\n\r\n` },
    { group: 'framing', method: 'POST', target: post, raw: crlf(`POST ${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', 'Transfer-Encoding: chunked') + random.pick(['zz\r\nabc\r\n0\r\n\r\n', '5;x=\u0001\r\nabcde\r\n0\r\n\r\n', '-1\r\n\r\n', '0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n', 'ffffffffffffffffff\r\nx\r\n0\r\n\r\n']) },
    { group: 'framing', method: 'POST', target: post, raw: crlf(`POST ${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', `Transfer-Encoding: ${random.pick(['gzip', 'chunked, identity', 'identity', 'chunked, chunked', 'x'])}`) + `${form.length.toString(16)}\r\n${form}\r\n0\r\n\r\n` },
    { group: 'framing', method: 'POST', target: post, raw: crlf(`POST ${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', ...random.pick([['Content-Length: -1'], ['Content-Length: abc'], ['Content-Length: 1, 2'], ['Content-Length: 3', 'Content-Length: 4'], ['Content-Length: 0x10'], ['Content-Length: 99999999999999999999']])) + 'abc' },
    { group: 'framing', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${form.length}`) + form },
    { group: 'encoding', method: 'POST', target: post, get raw() { return compressed(post, host, random); } },
    { group: 'expect', method: 'POST', target: post, raw: crlf(`POST ${post} HTTP/1.1`, host, close, 'Content-Type: application/x-www-form-urlencoded', `Expect: ${random.pick(['100-continue', 'junk', '100-continue, junk'])}`, `Content-Length: ${form.length}`) + form },
    { group: 'upgrade', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host, 'Connection: Upgrade, close', `Upgrade: ${random.pick(['websocket', 'h2c', 'HTTP/2.0', 'junk'])}`, 'Sec-WebSocket-Key: x', 'HTTP2-Settings: x'), mayClose: true },
    { group: 'pipelining', method: 'GET', target: path, raw: crlf(`GET ${path} HTTP/1.1`, host) + crlf(`${random.pick(['GET', 'FOO', 'POST'])} ${random.pick(PATHS[at.server])} HTTP/1.1`, host, close) },
  ];
}

/** A form body under Content-Encoding: compressed right, compressed junk, or an unknown coding. */
function compressed(path: string, host: string, random: Random): Buffer {
  const form = Buffer.from('email=a%40b&password=x&grant_type=x');
  const [coding, body] = random.pick<() => [string, Buffer]>([
    () => ['gzip', gzipSync(form)],
    () => ['gzip', Buffer.from('not gzip at all')],
    () => ['deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00])],
    () => ['br', Buffer.from('junk')],
    // 2 MB of form once inflated, 2 KB on the wire: a decompression bomb in miniature.
    () => ['gzip', gzipSync(Buffer.alloc(2_000_000, 'a'))],
    () => ['x-unknown', form],
    () => ['gzip, gzip', gzipSync(gzipSync(form))],
  ])();
  const head = `POST ${path} HTTP/1.1\r\n${host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

export const ODD_HTTP: Surface = {
  name: 'odd HTTP',
  weight: 8,
  async make(random: Random, world: FuzzWorld): Promise<FuzzRequest> {
    const at = world.endpoint(random.pick<Server>(['idp', 'idp', 'site-a', 'site-b']));
    const chosen = random.pick(variants(random, at));
    const base = request(random, world, { surface: `odd HTTP: ${chosen.group}`, server: at.server, method: chosen.method, target: chosen.target, expect: 'any' });
    return { ...base, raw: chosen.raw, mayClose: chosen.mayClose };
  },
};
