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

/**
 * Node builds a response's head in writeHead and keeps it as the text it will send (`_header`,
 * ending in an empty line) until the first write: that is where the headers go. An internal of
 * Node's, stable since its first versions; checked once per process on a response that goes
 * nowhere, and if it ever changes the class sets the headers through setHeader instead.
 */
const headIsText = ((): boolean => {
  const socket = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  const request = new http.IncomingMessage(socket as never);
  Object.assign(request, { method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1 });
  const response = new http.ServerResponse(request);
  response.writeHead(204);
  const head = (response as unknown as BuiltHead)._header;
  socket.destroy();
  return typeof head === 'string' && head.endsWith(HEAD_END);
})();

/** A class for http.createServer's `ServerResponse` option. */
export type ResponseClass = new (request: http.IncomingMessage) => http.ServerResponse;

const classes = new Map<SecurityHeaders, ResponseClass>();

/**
 * A ServerResponse class (http.createServer's `ServerResponse` option) that sends `headers` on
 * every response, except any of them the response set itself (through setHeader, as Koa and
 * oidc-provider set headers): that one is sent as set, once.
 */
export function responseWithHeaders(headers: SecurityHeaders): ResponseClass {
  const known = classes.get(headers);
  if (known) return known;
  const entries = Object.entries(headers);
  const lowerNames = entries.map(([name]) => name.toLowerCase());
  const lines = entries.map(([name, value]) => `${name}: ${value}\r\n`);
  const allLines = lines.join('');

  class ResponseWithHeaders extends http.ServerResponse {
    // Node's own overloads (status, message?, headers?) pass through as they came.
    override writeHead(...args: [number, ...never[]]): this {
      if (!headIsText) {
        for (const [name, value] of entries) if (!this.hasHeader(name)) this.setHeader(name, value);
        return super.writeHead(...args);
      }
      super.writeHead(...args);
      let extra = allLines;
      for (let at = 0; at < lowerNames.length; at += 1) {
        if (this.hasHeader(lowerNames[at]!)) {
          extra = lines.filter((_line, index) => !this.hasHeader(lowerNames[index]!)).join('');
          break;
        }
      }
      const built = this as unknown as BuiltHead;
      const head = built._header as string;
      built._header = `${head.slice(0, -2)}${extra}\r\n`;
      return this;
    }
  }
  classes.set(headers, ResponseWithHeaders);
  return ResponseWithHeaders;
}

/** The response class of a server of the IdP at `issuer`. */
export function idpResponses(issuer: string): ResponseClass {
  return responseWithHeaders(idpSecurityHeaders(issuer));
}
