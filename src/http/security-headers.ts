/**
 * Headers for every response of the IdP. Referrer-Policy is same-origin rather than no-referrer
 * because no-referrer makes browsers send `Origin: null` on our own form posts, which the CSRF
 * check reads.
 *
 * Two ways onto a response, the same headers either way:
 * - the IdP's own servers (listenIdp) answer with `responseWithHeaders`, a ServerResponse that
 *   writes them into the head it sends, after Node has built it;
 * - any other server the app is handed to (tests that make their own) gets them from the request
 *   frame, set on every response whose class is not that one, as before (request-frame.ts).
 * Why the first: four `setHeader`s a response, then Koa's, Node's and oidc-provider's CORS check's
 * walks over them, were the largest part of what our frame cost against the bare engine, 7-8 µs of
 * a userinfo request and 5-15 µs of an introspection (`npm run bench:ab`, Node 20 and 24, issue 10).
 * Written into the head, they cost one string concatenation.
 */
import http from 'node:http';
import { Duplex } from 'node:stream';

const ALWAYS = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
});
const OVER_HTTPS = Object.freeze({ ...ALWAYS, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' });

export type SecurityHeaders = Readonly<Record<string, string>>;

/** One object per choice, so each has one response class (responseWithHeaders). */
export function securityHeaders(options: { hsts: boolean }): SecurityHeaders {
  return options.hsts ? OVER_HTTPS : ALWAYS;
}

/** HSTS only for an https issuer: what the request frame and the IdP's servers both send. */
export function idpSecurityHeaders(issuer: string): SecurityHeaders {
  return securityHeaders({ hsts: new URL(issuer).protocol === 'https:' });
}

/** What Node keeps of a response's head once it is built: the text it sends first. */
interface BuiltHead {
  _header: unknown;
}

const HEAD_END = '\r\n\r\n';
const PROBE_LINE = 'X-Head-Probe: 1\r\n';

/**
 * Node builds a response's head in writeHead and keeps it as the text it will send (`_header`,
 * ending in an empty line) until the first write: that is where the headers go. An internal of
 * Node's, the same in every version since its first; so before a class relies on it, one response
 * with a line spliced in that way is sent into a socket that keeps what it is given, and only if
 * the line reaches those bytes are headers spliced. Otherwise the class sets them through
 * setHeader before writeHead, as the frame would. (Where Node publishes diagnostics of responses,
 * this one shows there once, with an empty URL.)
 */
let splicing: boolean | undefined;
function spliceReachesTheWire(): boolean {
  if (splicing !== undefined) return splicing;
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write: (chunk: Buffer | string, _encoding, done) => {
      written.push(Buffer.from(chunk));
      done();
    },
  });
  const request = new http.IncomingMessage(socket as never);
  Object.assign(request, { method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1 });
  const response = new http.ServerResponse(request);
  response.assignSocket(socket as never);
  try {
    response.writeHead(204);
    const built = response as unknown as BuiltHead;
    if (typeof built._header === 'string' && built._header.endsWith(HEAD_END)) built._header = `${built._header.slice(0, -2)}${PROBE_LINE}\r\n`;
    response.end();
    splicing = Buffer.concat(written).toString('latin1').includes(`\r\n${PROBE_LINE}\r\n`);
  } catch {
    splicing = false;
  } finally {
    response.detachSocket(socket as never);
    socket.destroy();
  }
  return splicing;
}

/** A class for http.createServer's `ServerResponse` option. */
export type ResponseClass = new (request: http.IncomingMessage) => http.ServerResponse;

const classes = new Map<SecurityHeaders, ResponseClass>();

/**
 * A ServerResponse class (http.createServer's `ServerResponse` option) that sends `headers` on
 * every response, except any of them the response set itself, or removed after the request frame
 * of another server would have set it (as oidc-provider's web_message mode removes
 * X-Frame-Options): what the response set is sent as set, once.
 */
export function responseWithHeaders(headers: SecurityHeaders): ResponseClass {
  const known = classes.get(headers);
  if (known) return known;
  const entries = Object.entries(headers);
  for (const [name, value] of entries) {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
  }
  const lowerNames = entries.map(([name]) => name.toLowerCase());
  const lines = entries.map(([name, value]) => `${name}: ${value}\r\n`);
  const allLines = lines.join('');
  const splice = spliceReachesTheWire();

  class ResponseWithHeaders extends http.ServerResponse {
    /** Which of `headers` this response removed: those stay out. Only ever set by removeHeader. */
    declare private removed: Set<string> | undefined;

    override removeHeader(name: string): void {
      const lower = typeof name === 'string' ? name.toLowerCase() : name;
      if (lowerNames.includes(lower)) (this.removed ??= new Set()).add(lower);
      super.removeHeader(name);
    }

    private wanted(at: number): boolean {
      return !this.hasHeader(lowerNames[at]!) && !this.removed?.has(lowerNames[at]!);
    }

    // Node's own overloads (status, message?, headers?) pass through as they came.
    override writeHead(...args: [number, ...never[]]): this {
      // Headers handed to writeHead itself are merged by Node over what setHeader set, so ours go
      // in that way: spliced in, they would be sent beside a route's own. And a response header
      // `Expect` makes Node send the head inside writeHead, before any splice. Both rare; Koa
      // does neither.
      if (!splice || args.length > 1 || this.hasHeader('expect')) {
        for (let at = 0; at < entries.length; at += 1) if (this.wanted(at)) this.setHeader(entries[at]![0], entries[at]![1]);
        return super.writeHead(...args);
      }
      super.writeHead(...args);
      let extra = allLines;
      for (let at = 0; at < lowerNames.length; at += 1) {
        if (!this.wanted(at)) {
          extra = lines.filter((_line, index) => this.wanted(index)).join('');
          break;
        }
      }
      const built = this as unknown as BuiltHead;
      built._header = `${(built._header as string).slice(0, -2)}${extra}\r\n`;
      return this;
    }
  }
  // Node's older name for writeHead is its own writeHead, not this class's.
  Object.defineProperty(ResponseWithHeaders.prototype, 'writeHeader', { value: ResponseWithHeaders.prototype.writeHead, writable: true, configurable: true });
  classes.set(headers, ResponseWithHeaders);
  return ResponseWithHeaders;
}

/** The response class of a server of the IdP at `issuer`. */
export function idpResponses(issuer: string): ResponseClass {
  return responseWithHeaders(idpSecurityHeaders(issuer));
}
