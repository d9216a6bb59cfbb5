import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { boundedLineSink, LOG_BUFFER_CHARS } from '../../src/log-sink.js';
import { TSX } from '../support/spawn.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A stream whose reader has stalled: it holds every chunk written to it until `release(n)` lets
 * the next `n` through (all by default).
 */
function stalledStream() {
  const received: string[] = [];
  const waiting: (() => void)[] = [];
  const stream = new Writable({
    decodeStrings: false,
    highWaterMark: 100,
    write(chunk: string, _encoding, done) {
      received.push(chunk);
      waiting.push(done);
    },
  });
  /** Each callback lets the next buffered chunk through to write(), which waits again. */
  const release = async (chunks = Infinity) => {
    for (let released = 0; released < chunks && waiting.length > 0; released += 1) {
      waiting.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { stream, received, release };
}

const logLines = (chunks: string[]) => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
const floodLine = (line: number) => JSON.stringify({ event: 'flood', line, padding: 'x'.repeat(80) });

describe('the log sink', () => {
  it('holds at most its bound for a stalled reader, drops the rest, and waits for one drain to report them', () => {
    const { stream } = stalledStream();
    const write = boundedLineSink(stream, 2000);
    for (let line = 0; line < 500; line += 1) write(floodLine(line));
    expect(stream.writableLength).toBeLessThanOrEqual(2000);
    expect(stream.writableLength).toBeGreaterThan(1800);
    expect(stream.listenerCount('drain')).toBe(1);
  });

  it('tells the reader how many lines it lost, and since when, once it has caught up', async () => {
    const { stream, received, release } = stalledStream();
    let clock = Date.parse('2026-12-02T15:00:00.000Z');
    const write = boundedLineSink(stream, 2000, () => new Date((clock += 1000)));
    for (let line = 0; line < 500; line += 1) write(floodLine(line));
    await release();
    await release();

    const lines = logLines(received);
    const kept = lines.filter((line) => line.event === 'flood');
    expect(kept.map((line) => line.line)).toEqual(kept.map((_line, index) => index));
    expect(lines.slice(kept.length)).toEqual([{ time: expect.any(String), level: 'warn', event: 'log.lines_dropped', count: 500 - kept.length, since: '2026-12-02T15:00:01.000Z' }]);
  });

  it('puts the report right before the next line that fits, counting both against the bound', async () => {
    const { stream, received, release } = stalledStream();
    const write = boundedLineSink(stream, 2000);
    for (let line = 0; line < 500; line += 1) write(floodLine(line));
    // The reader takes a few lines, not enough to drain the stream: the report has not been written.
    await release(3);
    expect(stream.writableNeedDrain).toBe(true);
    write(floodLine(500));
    expect(stream.writableLength).toBeLessThanOrEqual(2000);
    await release();
    await release();

    const lines = logLines(received);
    const kept = lines.filter((line) => line.event === 'flood' && (line.line as number) < 500);
    expect(kept.map((line) => line.line)).toEqual(kept.map((_line, index) => index));
    expect(lines.slice(kept.length)).toEqual([{ time: expect.any(String), level: 'warn', event: 'log.lines_dropped', count: 500 - kept.length, since: expect.any(String) }, JSON.parse(floodLine(500))]);
    expect(stream.listenerCount('drain')).toBe(0);
  });

  it('never lets the report push what waits past the bound: a line that fits only without it waits too', async () => {
    const { stream, received, release } = stalledStream();
    const write = boundedLineSink(stream, 2000);
    for (let line = 0; line < 500; line += 1) write(floodLine(line));
    await release(1);
    const room = 2000 - stream.writableLength;
    const exact = (line: number) => JSON.stringify({ event: 'exact', line, padding: 'x'.repeat(room - 1 - JSON.stringify({ event: 'exact', line, padding: '' }).length) });
    expect(exact(1).length + 1).toBe(room);
    write(exact(1));
    expect(stream.writableLength).toBeLessThanOrEqual(2000);
    await release();
    await release();
    const lines = logLines(received);
    expect(lines.some((line) => line.event === 'exact')).toBe(false);
    expect(lines.at(-1)).toEqual(expect.objectContaining({ event: 'log.lines_dropped', count: 500 - lines.length + 2 }));
  });

  it('reports a single line longer than the bound at once, when nothing else is waiting', async () => {
    const { stream, received, release } = stalledStream();
    const write = boundedLineSink(stream, 2000);
    write(JSON.stringify({ event: 'huge', padding: 'x'.repeat(5000) }));
    expect(stream.writableLength).toBeLessThanOrEqual(2000);
    await release();
    expect(logLines(received)).toEqual([expect.objectContaining({ event: 'log.lines_dropped', count: 1 })]);
  });

  it('drops nothing while the reader keeps up, however often it has to wait for it', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      decodeStrings: false,
      highWaterMark: 100,
      write(chunk: string, _encoding, done) {
        chunks.push(chunk);
        setImmediate(done);
      },
    });
    const write = boundedLineSink(stream, 2000);
    let waited = 0;
    for (let line = 0; line < 1000; line += 1) {
      write(floodLine(line));
      if (stream.writableLength > 1000) {
        waited += 1;
        await new Promise((resolve) => stream.once('drain', resolve));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = logLines(chunks);
    expect(waited).toBeGreaterThan(10);
    expect(lines).toHaveLength(1000);
    expect(lines.some((line) => line.event === 'log.lines_dropped')).toBe(false);
  });

  it('refuses a bound with no room above its stream\'s highWaterMark for the report', () => {
    expect(() => boundedLineSink(new Writable({ highWaterMark: 16 * 1024 }), 16 * 1024)).toThrow(RangeError);
  });

  it("bounds the IdP's standard output when it is a pipe nobody reads", async () => {
    const total = 20_000;
    const child = spawn(TSX, ['test/support/log-flood.ts', String(total)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let stderr = '';
    const flooded = new Promise<{ mostHeld: number; heldAtEnd: number }>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /flooded (\{.*\})/.exec(stderr);
        if (match) resolve(JSON.parse(match[1]!));
      });
      child.once('close', () => reject(new Error(`the flood exited first:\n${stderr}`)));
    });
    const report = await flooded;
    const chunks: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.once('close', resolve));

    expect(code).toBe(0);
    // Node buffered for the pipe (the bound is what held it), and held no more than the bound.
    expect(report.heldAtEnd).toBeGreaterThan(LOG_BUFFER_CHARS / 2);
    expect(report.mostHeld).toBeLessThanOrEqual(LOG_BUFFER_CHARS);
    const lines = logLines(chunks);
    const kept = lines.filter((line) => line.event === 'flood.line');
    const dropped = lines.filter((line) => line.event === 'log.lines_dropped');
    expect(kept.map((line) => line.line)).toEqual(kept.map((_line, index) => index));
    expect(dropped).toHaveLength(1);
    expect(kept.length + (dropped[0]!.count as number)).toBe(total);
    expect(lines.at(-1)).toBe(dropped[0]);
  }, 60_000);
});
