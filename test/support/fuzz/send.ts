/**
 * Sends a request's exact bytes over a new TCP connection and reads the answer until it is complete
 * or the server closes the connection. No answer within `timeoutMs` is a hang. The socket is never
 * half-closed: Node's server takes a client's FIN as an abort of the request in flight.
 */
import net from 'node:net';

export interface FuzzReply {
  /** 'closed': the server hung up without a status line; 'hang': nothing ended within the timeout. */
  outcome: 'answered' | 'closed' | 'hang';
  status: number;
  /** Lower-case names; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: string;
  ms: number;
}

export function header(reply: FuzzReply, name: string): string | undefined {
  return reply.headers.get(name)?.join(', ');
}

/** `head`: the request was HEAD, so the answer has no body whatever its Content-Length says. */
export function sendBytes(port: number, bytes: Buffer, timeoutMs: number, head = false): Promise<FuzzReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    const finish = (hung: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseReply(Buffer.concat(chunks), hung, performance.now() - started));
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks).toString('latin1'), head)) finish(false);
    });
    // A reset after an answer (the server stopped reading an oversized body) still leaves the answer.
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => socket.write(bytes));
  });
}

/** A whole final answer has arrived: by Content-Length, the last chunk, or an answer without a body. */
function isComplete(text: string, head: boolean): boolean {
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const lines = text.slice(0, end);
  if (head || /^HTTP\/1\.[01] (?:204|304) /.test(lines)) return true;
  const length = /\r\ncontent-length: *(\d+)/i.exec(lines)?.[1];
  if (length !== undefined) return text.length - end - 4 >= Number(length);
  if (/\r\ntransfer-encoding: *chunked/i.test(lines)) return /(?:^|\r\n)0\r\n\r\n$/.test(text.slice(end + 4));
  return false;
}

function parseReply(data: Buffer, hung: boolean, ms: number): FuzzReply {
  let text = data.toString('latin1');
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const headers = new Map<string, string[]>();
  const end = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (!status || end < 0) return { outcome: hung ? 'hang' : 'closed', status: 0, headers, body: data.toString('utf8'), ms };
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  let raw: Buffer = Buffer.from(text.slice(end + 4), 'latin1');
  if (headers.get('transfer-encoding')?.some((value) => /chunked/i.test(value))) raw = dechunk(raw);
  return { outcome: hung ? 'hang' : 'answered', status: Number(status), headers, body: raw.toString('utf8'), ms };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
