/**
 * What every answer must keep, however hostile the request (issue 8): no 5xx but load shedding
 * (503 with Retry-After), nothing internal in the body, protocol errors as JSON with an `error`
 * code, HTML for people, and an answer at all. Each broken rule is one line of the report.
 */
import { PARSER_REFUSALS } from '../../../src/http/parser-refusals.js';
import type { FuzzRequest } from './fuzz-request.js';
import { serialize } from './fuzz-request.js';
import { header, type FuzzReply } from './send.js';

/** What an answer must never show: stack frames, our paths, and the messages of internal errors. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\n\s*at [^\n]*:\d+:\d+|\bat (?:async )?[\w$.<>]+ \((?:file:|node:|\/)[^)]*\)/],
  ['a file path', /\/work\/|node_modules|\/home\/|\/usr\/(?:local\/)?lib\/|file:\/\/\//],
  ['a source location', /\.(?:ts|js|cjs|mjs|pug):\d+/],
  ['a JavaScript error', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|EvalError|URIError|AggregateError|AssertionError)\b/],
  ['an internal message', /Cannot read propert|Cannot set propert|is not a function|is not defined|is not iterable|Maximum call stack|Unexpected token|Unexpected end of JSON|in JSON at position|Invalid or unexpected|Cannot convert/],
  ['a Node error code', /\bERR_[A-Z_]{4,}\b|\bE(?:CONNREFUSED|CONNRESET|ADDRINUSE|PIPE|NOTFOUND|TIMEDOUT)\b/],
  ['a database error', /Mongo(?:Server|Network)?Error|MongooseError|CastError|E11000|BSONError/],
];

const isJson = (reply: FuzzReply) => /^application\/(?:[\w.+-]+\+)?json\b/i.test(header(reply, 'content-type') ?? '');
const isHtml = (reply: FuzzReply) => /^text\/html\b/i.test(header(reply, 'content-type') ?? '');

/** Everything the request carried, decoded as the server may have: a reflected value is not a leak. */
function requestText(request: FuzzRequest): string {
  const wire = serialize(request).toString('utf8');
  const decoded = wire.replace(/(?:%[0-9a-f]{2})+/gi, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
  return `${wire}\n${decoded}\n${decoded.replace(/\+/g, ' ')}`;
}

function leaks(request: FuzzRequest, reply: FuzzReply): string[] {
  const answer = [...reply.headers.entries()].filter(([name]) => name !== 'set-cookie').map(([name, values]) => `${name}: ${values.join(', ')}`).join('\n') + '\n\n' + reply.body;
  const found: string[] = [];
  let sent: string | undefined;
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(answer)?.[0];
    if (!match) continue;
    sent ??= requestText(request);
    if (!sent.includes(match.trim())) found.push(`shows ${what}: ${JSON.stringify(match)}`);
  }
  return found;
}

interface Priority {
  q: number;
  /** How specific the matching range is: type 4, subtype 2 (negotiator's scores). */
  s: number;
  /** Its place in the Accept header. */
  o: number;
}

/** The priority Accept gives `type`, as the negotiator package (Koa's ctx.accepts) computes it. */
function priority(accept: string, type: string): Priority {
  const [major, minor] = type.split('/');
  let best: Priority = { q: 0, s: -1, o: -1 };
  accept.split(',').forEach((range, o) => {
    const [media = '', ...params] = range.trim().toLowerCase().split(';');
    const [rangeMajor, rangeMinor] = media.trim().split('/');
    if (!rangeMajor || !rangeMinor || (rangeMajor !== '*' && rangeMajor !== major) || (rangeMinor !== '*' && rangeMinor !== minor)) return;
    const s = (rangeMajor === major ? 4 : 0) + (rangeMinor === minor ? 2 : 0);
    const qParam = params.map((param) => /^\s*q=(.*)$/.exec(param)?.[1]).find((value) => value !== undefined);
    const q = qParam === undefined ? 1 : Number.parseFloat(qParam);
    if (s > best.s || (s === best.s && (q > best.q || (q === best.q && o < best.o)))) best = { q: Number.isNaN(q) ? 0 : q, s, o };
  });
  return best;
}

/**
 * Content negotiation as oidc-provider does it (shared/error_handler.js: its HTML page when
 * ctx.accepts('json', 'html') picks HTML): a browser asks for HTML and gets it; a client that
 * doesn't ask (no Accept) or prefers something else may get the JSON error instead. Repeated
 * Accept headers reach the server as one list.
 */
function asksForHtml(request: FuzzRequest): boolean {
  const values = request.headers.filter(([name]) => name.toLowerCase() === 'accept').map(([, value]) => value);
  if (values.length === 0) return false;
  const accept = values.join(', ');
  const html = priority(accept, 'text/html');
  const json = priority(accept, 'application/json');
  if (html.q <= 0) return false;
  return html.q > json.q || (html.q === json.q && (html.s > json.s || (html.s === json.s && html.o < json.o)));
}

/**
 * The HTTP parser refused the request before any app saw it (400, 408, 413, 431): Node's bare answer
 * at the sites (no Date, no body), the IdP's error page naming the refusal at the IdP
 * (src/http/parser-refusals.ts; its own test pins its headers), a page whatever the request asked for.
 */
const fromHttpParser = (reply: FuzzReply) =>
  (!reply.headers.has('date') && reply.body === '') ||
  (header(reply, 'connection') === 'close' && isHtml(reply) && PARSER_REFUSALS.some(({ status, code }) => reply.status === status && reply.body.includes(`<code>${code}</code>`)));

/** RFC 9110 section 9.1: an unrecognized method SHOULD be answered 501, which is not a failure. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

function shape(request: FuzzRequest, reply: FuzzReply): string[] {
  const noBody = request.method === 'HEAD' || reply.status === 204 || reply.status === 304;
  if (request.expect === 'any' || noBody || fromHttpParser(reply)) return [];
  if (request.expect === 'page') {
    if (reply.status >= 300 && reply.status < 400) return header(reply, 'location') ? [] : ['redirects without a Location'];
    if (isHtml(reply) || (!asksForHtml(request) && isJson(reply))) return [];
    return [`a page for people came back as ${header(reply, 'content-type') ?? 'no content type'}`];
  }
  if (reply.status >= 300 && reply.status < 400) return [`a protocol endpoint redirected (${reply.status})`];
  // oidc-provider answers a client that prefers HTML with its error page (error_handler.js); an
  // address nothing answers is no protocol endpoint, and gets the not-found page.
  if ((asksForHtml(request) || reply.status === 404) && isHtml(reply)) return [];
  if (reply.body === '' && reply.status < 400) return [];
  let json: unknown;
  try {
    json = JSON.parse(reply.body);
  } catch {
    return [`a protocol endpoint answered ${header(reply, 'content-type') ?? 'no content type'}, not JSON`];
  }
  if (!isJson(reply)) return [`JSON labelled ${header(reply, 'content-type') ?? 'with no content type'}`];
  if (reply.status >= 400 && typeof (json as { error?: unknown } | null)?.error !== 'string') return ['a protocol error without an `error` code'];
  return [];
}

export function violations(request: FuzzRequest, reply: FuzzReply, timeoutMs: number): string[] {
  if (reply.outcome === 'hang') return [`no answer within ${timeoutMs} ms`];
  if (reply.outcome === 'closed') return request.mayClose ? [] : ['the connection closed without an answer'];
  const found: string[] = [];
  const shedding = reply.status === 503 && header(reply, 'retry-after') !== undefined;
  const unknownMethod = reply.status === 501 && !KNOWN_METHODS.has(request.method);
  if (reply.status >= 500 && !shedding && !unknownMethod) found.push(`answered ${reply.status}${reply.status === 503 ? ' without Retry-After' : ''}`);
  return [...found, ...leaks(request, reply), ...shape(request, reply)];
}
