import type { FuzzRequest } from '../support/fuzz/fuzz-request.js';
import { violations } from '../support/fuzz/invariants.js';
import type { FuzzReply } from '../support/fuzz/send.js';

/** The fuzz test is only as good as its checks: each must catch what it is there for, and only that. */
const request = (expect: FuzzRequest['expect'], extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
  surface: 'test',
  server: 'idp',
  method: 'POST',
  target: '/token',
  headers: [['Host', 'idp.localhost']],
  expect,
  ...extra,
});

function reply(status: number, body: string, headers: Record<string, string> = {}, outcome: FuzzReply['outcome'] = 'answered'): FuzzReply {
  const all = { date: 'Thu, 01 Jan 2026 00:00:00 GMT', ...headers };
  return { outcome, status, body, ms: 1, headers: new Map(Object.entries(all).map(([name, value]) => [name, [value]])) };
}

const json = { 'content-type': 'application/json; charset=utf-8' };
const html = { 'content-type': 'text/html; charset=utf-8' };

describe('the fuzz invariants', () => {
  it('pass a protocol error in JSON with an error code, and load shedding with Retry-After', () => {
    expect(violations(request('oauth'), reply(400, '{"error":"invalid_request"}', json), 1000)).toEqual([]);
    expect(violations(request('any'), reply(503, 'busy', { 'retry-after': '1' }), 1000)).toEqual([]);
  });

  it('catch a 5xx, and a 503 without Retry-After', () => {
    expect(violations(request('any'), reply(500, ''), 1000)).toEqual(['answered 500']);
    expect(violations(request('any'), reply(503, ''), 1000)).toEqual(['answered 503 without Retry-After']);
  });

  it('let a 501 through only for a method the server does not know (RFC 9110 section 9.1)', () => {
    expect(violations(request('any', { method: 'PROPFIND' }), reply(501, ''), 1000)).toEqual([]);
    expect(violations(request('any', { method: 'GET' }), reply(501, ''), 1000)).toEqual(['answered 501']);
  });

  it('catch stack traces, file paths and internal messages, but not a value the request itself sent', () => {
    const stack = 'TypeError: x\n    at handler (/work/app/src/a.ts:1:2)';
    expect(violations(request('any'), reply(400, stack, html), 1000)).toEqual(expect.arrayContaining([expect.stringMatching(/stack frame/), expect.stringMatching(/file path/), expect.stringMatching(/JavaScript error/)]));
    expect(violations(request('any'), reply(400, "Cannot read properties of undefined (reading 'x')"), 1000)).toEqual([expect.stringMatching(/internal message/)]);
    const reflected = request('any', { body: 'email=node_modules' });
    expect(violations(reflected, reply(200, '<input value="node_modules">', html), 1000)).toEqual([]);
  });

  it('catch a protocol error that is not JSON or has no error code', () => {
    expect(violations(request('oauth'), reply(400, 'Bad Request', { 'content-type': 'text/plain' }), 1000)).toEqual([expect.stringMatching(/not JSON/)]);
    expect(violations(request('oauth'), reply(400, '{"message":"no"}', json), 1000)).toEqual(['a protocol error without an `error` code']);
  });

  it('want HTML for a browser that asks for it, and accept JSON for a client that did not ask', () => {
    const browser = request('page', { method: 'GET', headers: [['Accept', 'text/html,*/*;q=0.8']] });
    expect(violations(browser, reply(400, '{"error":"invalid_request"}', json), 1000)).toEqual([expect.stringMatching(/page for people/)]);
    expect(violations(browser, reply(400, '<html>', html), 1000)).toEqual([]);
    expect(violations(request('page', { method: 'GET' }), reply(400, '{"error":"invalid_request"}', json), 1000)).toEqual([]);
    // Two Accept headers reach the server as one list: the first of two equal ranges wins.
    const both = request('oauth', { headers: [['Accept', 'text/html'], ['Accept', 'application/json']] });
    expect(violations(both, reply(400, '<html>', html), 1000)).toEqual([]);
  });

  it('count a hang and a silent hang-up as failures, unless the framing invited the hang-up', () => {
    expect(violations(request('any'), reply(0, '', {}, 'hang'), 1000)).toEqual(['no answer within 1000 ms']);
    expect(violations(request('any'), reply(0, '', {}, 'closed'), 1000)).toEqual(['the connection closed without an answer']);
    expect(violations(request('any', { mayClose: true }), reply(0, '', {}, 'closed'), 1000)).toEqual([]);
  });

  it('leave answers of the HTTP parser itself (no Date, no body) to their status', () => {
    const parser: FuzzReply = { outcome: 'answered', status: 431, body: '', ms: 1, headers: new Map([['connection', ['close']]]) };
    expect(violations(request('page', { headers: [['Accept', 'text/html']] }), parser, 1000)).toEqual([]);
  });

  it("take the IdP's page naming a parser refusal as that, at a protocol endpoint too, and no other page", () => {
    const page = (status: number, code: string, connection = 'close'): FuzzReply => ({
      outcome: 'answered',
      status,
      body: `<!DOCTYPE html><p>Error code: <code>${code}</code></p>`,
      ms: 1,
      headers: new Map([['content-type', ['text/html; charset=utf-8']], ['date', ['now']], ['connection', [connection]]]),
    });
    expect(violations(request('oauth'), page(431, 'headers_too_large'), 1000)).toEqual([]);
    expect(violations(request('oauth'), page(431, 'headers_too_large', 'keep-alive'), 1000)).toEqual([expect.stringMatching(/not JSON/)]);
    expect(violations(request('oauth'), page(400, 'unreadable_request'), 1000)).toEqual([]);
    expect(violations(request('oauth'), page(400, 'invalid_request'), 1000)).toEqual([expect.stringMatching(/not JSON/)]);
    expect(violations(request('oauth'), page(400, 'headers_too_large'), 1000)).toEqual([expect.stringMatching(/not JSON/)]);
  });
});
