/**
 * A client that controls every byte and every pause, as an attacker holding connections open
 * would: plain TCP sockets to a test server, with what came back and whether the server hung up.
 */
import net from 'node:net';

export interface RawSocket {
  socket: net.Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server has closed the connection (or it was refused). */
  closed: Promise<void>;
  isClosed(): boolean;
}

/** `halfOpen`: the client keeps its side open after the server ends its own, as a slow or hostile one may. */
export async function openSocket(port: number, options: { halfOpen?: boolean } = {}): Promise<RawSocket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.halfOpen === true });
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  // A reset by the server is one way of closing; the test looks at `closed`, not at the error.
  socket.on('error', () => {});
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed: closedPromise, isClosed: () => closed };
}

/** 'closed' when the server hangs up within `ms`, else 'still open' (the test then fails by name). */
export function closedWithin(raw: RawSocket, ms: number): Promise<'closed' | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'still open'>((resolve) => {
    timer = setTimeout(() => resolve('still open'), ms);
  });
  return Promise.race([raw.closed.then(() => 'closed' as const), open]).finally(() => clearTimeout(timer));
}

/** Sends `text` one character at a time, `intervalMs` apart, until it is all sent or the server hangs up; returns how much was sent. */
export async function trickle(raw: RawSocket, text: string, intervalMs: number): Promise<number> {
  let sent = 0;
  while (sent < text.length && !raw.isClosed()) {
    raw.socket.write(text[sent]!);
    sent += 1;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), raw.closed]);
  }
  return sent;
}

/** One keep-alive GET on an open socket; resolves with the status line and headers once the response has fully arrived. */
export async function getOn(raw: RawSocket, host: string, path: string): Promise<string> {
  const start = raw.received().length;
  raw.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
  for (;;) {
    const text = raw.received().slice(start);
    const end = text.indexOf('\r\n\r\n');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
    if (end >= 0 && text.length >= end + 4 + length) return text.slice(0, end);
    if (raw.isClosed()) throw new Error(`connection closed before a full response: ${JSON.stringify(text)}`);
    await Promise.race([new Promise((resolve) => raw.socket.once('data', resolve)), raw.closed]);
  }
}
