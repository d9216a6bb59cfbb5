/**
 * Where log lines go: standard output, with a bound on what waits in memory for it.
 *
 * When standard output is a pipe (a container runtime, a process manager, `npm start | tee`),
 * Node writes to it without blocking and keeps whatever the reader has not taken yet in the
 * stream's buffer, with no limit. A reader that stalls (a log shipper that hangs, a full disk
 * behind `tee`) would make the IdP hold every line written since, one or more a sign-in, until it
 * runs out of memory: anyone who can make requests could then grow it. So past
 * `LOG_BUFFER_CHARS` waiting, lines are dropped and counted, and once the reader catches up the
 * first thing it gets is one `log.lines_dropped` line with that count, so the gap shows.
 * Files and terminals are written synchronously by Node: nothing waits, nothing is dropped.
 *
 * Not sonic-boom (pino's destination, which has the same `maxLength` drop): it writes with
 * fs.write, which for a blocking pipe would hold a thread of libuv's pool, the pool argon2id
 * hashes on, for as long as the reader stalls.
 */
import type { Writable } from 'node:stream';

/** About 3,000 lines of a sign-in's size; what a stalled reader can make the process hold. */
export const LOG_BUFFER_CHARS = 1024 * 1024;

export type LineSink = (line: string) => void;

/**
 * `stream`'s writableLength counts what it still holds (characters of the strings written to a
 * net.Socket, whose decodeStrings is off); it must be at least its highWaterMark, so that a
 * full buffer means a 'drain' event will come.
 */
export function boundedLineSink(stream: Writable, maxBufferedChars = LOG_BUFFER_CHARS, now: () => Date = () => new Date()): LineSink {
  let dropped = 0;
  let droppedSince: Date | undefined;
  let awaitingDrain = false;
  const reportDropped = () => {
    if (dropped === 0) return;
    const line = JSON.stringify({ time: now().toISOString(), level: 'warn', event: 'log.lines_dropped', count: dropped, since: droppedSince!.toISOString() });
    dropped = 0;
    droppedSince = undefined;
    stream.write(`${line}\n`);
  };
  const onDrain = () => {
    awaitingDrain = false;
    reportDropped();
  };
  return (line) => {
    const text = `${line}\n`;
    if (stream.writableLength + text.length > maxBufferedChars) {
      if (dropped === 0) droppedSince = now();
      dropped += 1;
      if (!awaitingDrain) {
        awaitingDrain = true;
        stream.once('drain', onDrain);
      }
      return;
    }
    reportDropped();
    stream.write(text);
  };
}
