/**
 * One fuzzed request, kept as data so that a failing one can be printed and sent again. Requests
 * go out over plain sockets byte for byte (send.ts): fetch refuses control characters in headers,
 * odd methods and broken request lines, and an attacker's client doesn't.
 */
import type { FuzzReply } from './send.js';

export type Server = 'idp' | 'site-a' | 'site-b';

/**
 * What the answer must look like beyond the invariants every answer keeps:
 * - `oauth`: a protocol endpoint: JSON, and every error carries an `error` code;
 * - `page`: a page for people: HTML, or a redirect;
 * - `any`: no shape promised (odd HTTP, health checks, WebFinger's empty 4xx).
 */
export type Expectation = 'oauth' | 'page' | 'any';

export interface FuzzRequest {
  /** The group it belongs to in the report, e.g. "idp POST /token". */
  surface: string;
  server: Server;
  method: string;
  /** The request-target as written on the request line. */
  target: string;
  /** In order, duplicates allowed; any bytes at all. */
  headers: [string, string][];
  body?: string | Buffer;
  expect: Expectation;
  /** Hostile framing the server may answer by closing the connection without a word. */
  mayClose?: boolean;
  /** The whole request as bytes, when even the framing is the test (absolute-form, bad chunking...). */
  raw?: string | Buffer;
  /** What the fuzzer learns from the answer (a rotated registration token, a session that ended). */
  after?(reply: FuzzReply): void;
}

/** The bytes on the wire: the request line, the headers, Content-Length and Connection: close, the body. */
export function serialize(request: FuzzRequest): Buffer {
  if (request.raw !== undefined) return Buffer.isBuffer(request.raw) ? request.raw : Buffer.from(request.raw, 'utf8');
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const names = new Set(request.headers.map(([name]) => name.toLowerCase()));
  // A line break inside a header would reframe the request (a Content-Length of its own, a body
  // that never comes): a hang of our making. Broken framing is what `raw` requests are for.
  const line = (text: string) => text.replace(/[\r\n]/g, ' ');
  const lines = [`${request.method} ${line(request.target)} HTTP/1.1`, ...request.headers.map(([name, value]) => `${line(name)}: ${line(value)}`)];
  if (body && !names.has('content-length') && !names.has('transfer-encoding')) lines.push(`Content-Length: ${body.length}`);
  if (!names.has('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body ?? Buffer.alloc(0)]);
}

/** The request for a report: each part cut short, control characters made visible. */
export function describeRequest(request: FuzzRequest, index: number): string {
  const show = (text: string, max: number) => JSON.stringify(text.length > max ? `${text.slice(0, max)}...(${text.length} chars)` : text);
  const bytes = serialize(request);
  const head = bytes.toString('utf8', 0, Math.min(bytes.length, 600));
  return `#${index} [${request.surface}] ${show(head, 600)}${bytes.length > 600 ? ` (${bytes.length} bytes in all)` : ''}`;
}
