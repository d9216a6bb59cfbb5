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
 * Files and terminals are written synchronously by Node on Linux: nothing waits there, and only a
 * line longer than the bound itself is dropped.
 *
 * Not sonic-boom (pino's destination, which has the same `maxLength` drop): it writes with
 * fs.write, which for a blocking pipe would hold a thread of libuv's pool, the pool argon2id
 * hashes on, for as long as the reader stalls.
 */
import type { Writable } from 'node:stream';

/**
 * About 3,000 lines of a sign-in's size: what a stalled reader can make the process hold. Counted
 * as the stream counts strings, in UTF-16 code units: ASCII lines are as many bytes, text in other
 * scripts (which JSON.stringify leaves unescaped) up to three bytes a unit once written.
 */
export const LOG_BUFFER_CHARS = 1024 * 1024;

export type LineSink = (line: string) => void;

/**
 * Lines to `stream`, at most `maxBufferedChars` of them waiting there (its writableLength: a
 * net.Socket, whose decodeStrings is off, counts the strings it holds in UTF-16 units). The bound
 * must leave room above the stream's highWaterMark for a report: a stream holding less than that
 * asks for no 'drain', so a report due then is written at once.
 */
export function boundedLineSink(stream: Writable, maxBufferedChars = LOG_BUFFER_CHARS, now: () => Date = () => new Date()): LineSink {
  if (maxBufferedChars < stream.writableHighWaterMark + 1024) throw new RangeError(`a log sink's bound (${maxBufferedChars}) must exceed its stream's highWaterMark (${stream.writableHighWaterMark}) by 1024`);
  let dropped = 0;
  let droppedSince: Date | undefined;
  let awaitingDrain = false;
  const report = () => `${JSON.stringify({ time: now().toISOString(), level: 'warn', event: 'log.lines_dropped', count: dropped, since: droppedSince!.toISOString() })}\n`;
  const written = (text: string) => {
    dropped = 0;
    droppedSince = undefined;
    stream.write(text);
  };
  const onDrain = () => {
    awaitingDrain = false;
    if (dropped > 0) written(report());
  };
  const drop = () => {
    if (dropped === 0) droppedSince = now();
    dropped += 1;
    // A 'drain' comes only for a stream past its highWaterMark; below it (a single line larger
    // than the bound was dropped) the report is written now rather than with the next line.
    if (!stream.writableNeedDrain) written(report());
    else if (!awaitingDrain) {
      awaitingDrain = true;
      stream.once('drain', onDrain);
    }
  };
  const fits = (text: string) => stream.writableLength + text.length <= maxBufferedChars;
  return (line) => {
    const text = `${line}\n`;
    // While the buffer stays full, a dropped line costs a comparison, not a report built and thrown away.
    if (!fits(text)) return drop();
    if (dropped === 0) return written(text);
    // The report of lines dropped before this one goes first, and counts against the bound too.
    const reported = `${report()}${text}`;
    if (fits(reported)) written(reported);
    else drop();
  };
}
