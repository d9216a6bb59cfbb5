/**
 * Requests Node's HTTP parser refuses before any handler runs: headers over MAX_HEADER_BYTES
 * (431), a request not in within the headers or request timeout (408), chunk extensions over
 * Node's bound (413), anything else it can't read (400). Without a `clientError` listener Node
 * answers these with a bare status line and an empty body: a blank page for a person (most often a
 * browser whose cookies for this host outgrew the limit) and none of the security headers every
 * other answer of the IdP carries. With `answerParserRefusals` the same statuses come with the IdP's
 * error page and its headers.
 *
 * How Node hands these over (lib/_http_server.js, socketOnError, the same in Node 20 and 24): the
 * listener gets the raw socket and must write a whole response itself, and whatever the client
 * sends after that still goes to the parser. After a timeout the parser has not failed, so a
 * request finished after its 408 would reach the app, which would act on it (a POST a browser
 * then retries, having read only the 408); after a parse error every further chunk calls the
 * listener again. So once a socket is answered, Node's parser is taken off it and what arrives is
 * read and dropped.
 *
 * An answer of the app may be under way on that socket: its head already sent (then nothing may
 * be written: another status line would corrupt it), or a pipelined request before the refused
 * one still being answered (then the client would read a page there as the answer to that earlier
 * request). Node's own listener destroys the socket in the first case and writes into the stream
 * in the second; here the first is destroyed and the second gets no page: the earlier answer goes
 * out and closes the connection.
 *
 * Node's own answer destroys the socket right after writing, and a socket closed with bytes
 * unread resets the connection, which can take the answer with it before the client reads it
 * (RFC 9112 section 9.6: close the writing side first, and keep reading for a while). So here the
 * socket is ended, still read, and destroyed once the client has closed its side or LINGER_MS
 * have passed, whichever comes first. Errors that are not the parser's or a timeout (a TLS record
 * that fails, a socket error) get no page: the connection is broken, and is destroyed.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecurityHeaders } from './security-headers.js';

export interface Refusal {
  status: 400 | 408 | 413 | 431;
  /** The error code the page shows (error-messages.ts words it). */
  code: 'unreadable_request' | 'request_timeout' | 'request_too_large' | 'headers_too_large';
}

const BY_NODE_CODE: ReadonlyMap<string, Refusal> = new Map<string, Refusal>([
  ['HPE_HEADER_OVERFLOW', { status: 431, code: 'headers_too_large' }],
  ['HPE_CHUNK_EXTENSIONS_OVERFLOW', { status: 413, code: 'request_too_large' }],
  ['ERR_HTTP_REQUEST_TIMEOUT', { status: 408, code: 'request_timeout' }],
]);
const UNREADABLE: Refusal = Object.freeze({ status: 400, code: 'unreadable_request' });

/** Every refusal there is, for building their pages once. */
export const PARSER_REFUSALS: readonly Refusal[] = Object.freeze([...BY_NODE_CODE.values(), UNREADABLE]);

/**
 * How Node's error code is answered: the parser's own codes (HPE_*) it doesn't name are requests
 * it can't read; undefined for an error that is neither the parser's nor a timeout.
 */
export function refusalFor(nodeCode: string | undefined): Refusal | undefined {
  if (nodeCode === undefined) return undefined;
  return BY_NODE_CODE.get(nodeCode) ?? (nodeCode.startsWith('HPE_') ? UNREADABLE : undefined);
}

/** How long an answered socket waits for its client to close before it is destroyed. */
export const LINGER_MS = 2_000;

const REASONS: Readonly<Record<Refusal['status'], string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

/** What a server answers its parser's refusals with: the whole response for a refusal. */
export interface ParserRefusals {
  answer(refusal: Refusal, now?: Date): Buffer;
}

/**
 * Each refusal's response built once, but for its Date: `page` is its HTML, `pageHeaders` the
 * headers that page carries as the app sends it (its Content-Security-Policy), `headers` the
 * security headers of every answer.
 */
export function parserRefusals(options: { headers: SecurityHeaders; pageHeaders: SecurityHeaders; page: (refusal: Refusal) => string }): ParserRefusals {
  const fixed = Object.entries({ ...options.headers, ...options.pageHeaders, 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const built = new Map(
    PARSER_REFUSALS.map((refusal) => {
      const body = Buffer.from(options.page(refusal), 'utf8');
      return [refusal, { start: `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status]}\r\n`, rest: `${fixed}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body }];
    }),
  );
  return {
    answer(refusal, now = new Date()) {
      const { start, rest, body } = built.get(refusal)!;
      return Buffer.concat([Buffer.from(`${start}Date: ${now.toUTCString()}\r\n${rest}`, 'latin1'), body]);
    },
  };
}

/** What Node's ServerResponse on a socket keeps there while it is under way. */
interface SocketWithResponse {
  _httpMessage?: { headersSent?: boolean; shouldKeepAlive?: boolean; req?: { complete?: boolean } } | null;
}

const drop = () => {};

/**
 * Sockets already answered, by any listener: one server given refusals twice answers once, and
 * the second listener must not take the first's linger away by destroying the socket it ended.
 */
const answered = new WeakSet<Duplex>();

/**
 * Takes Node's parser off the socket: a 'data' listener added through the server's wrapper of
 * `socket.on` makes Node stop handing the socket to the parser directly (unconsume in
 * _http_server.js), and with the server's own 'data' listener gone what arrives is dropped.
 */
function stopParsing(socket: Duplex): void {
  socket.on('data', drop);
  for (const listener of socket.listeners('data')) if (listener !== drop) socket.removeListener('data', listener as (...args: unknown[]) => void);
}

/**
 * Answers every request `server`'s parser refuses with `refusals`, as the header comment says,
 * until the returned function is called (then Node's own answers again).
 */
export function answerParserRefusals(server: http.Server | https.Server, refusals: ParserRefusals): () => void {
  const onClientError = (error: Error & { code?: string }, socket: Duplex) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    const refusal = refusalFor(error.code);
    const inFlight = (socket as SocketWithResponse)._httpMessage;
    if (!refusal || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    stopParsing(socket);
    if (inFlight?.req?.complete === true) {
      // The refused request came after one still being answered: that answer closes the connection.
      inFlight.shouldKeepAlive = false;
      return;
    }
    socket.end(refusals.answer(refusal));
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  };
  server.on('clientError', onClientError);
  return () => void server.off('clientError', onClientError);
}
