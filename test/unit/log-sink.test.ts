import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { boundedLineSink, LOG_BUFFER_CHARS } from '../../src/log-sink.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A stream whose reader has stalled until `release()`: it holds every chunk written to it. */
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
  const release = () => {
    // Each callback lets the next buffered chunk through to write(), which waits again.
    const next = () => {
      const done = waiting.shift();
      if (done) {
        done();
        setImmediate(next);
      }
    };
    next();
  };
  return { stream, received, release };
}

const logLines = (chunks: string[]) => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the log sink', () => {
  it('holds at most its bound for a stalled reader, drops the rest and counts them', () => {
    const { stream } = stalledStream();
    const write = boundedLineSink(stream, 1000);
    for (let line = 0; line < 500; line += 1) write(JSON.stringify({ event: 'flood', line, padding: 'x'.repeat(80) }));
    expect(stream.writableLength).toBeLessThanOrEqual(1000);
    expect(stream.writableLength).toBeGreaterThan(800);
  });

  it('tells the reader how many lines it lost, and since when, before the next line it gets', async () => {
    const { stream, received, release } = stalledStream();
    let clock = Date.parse('2026-12-02T15:00:00.000Z');
    const write = boundedLineSink(stream, 1000, () => new Date((clock += 1000)));
    for (let line = 0; line < 500; line += 1) write(JSON.stringify({ event: 'flood', line }));
    release();
    await new Promise((resolve) => stream.once('drain', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    write(JSON.stringify({ event: 'after', line: 500 }));
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const lines = logLines(received);
    const kept = lines.filter((line) => line.event === 'flood');
    const report = lines.filter((line) => line.event === 'log.lines_dropped');
    expect(kept.map((line) => line.line)).toEqual(kept.map((_line, index) => index));
    expect(report).toEqual([{ time: expect.any(String), level: 'warn', event: 'log.lines_dropped', count: 500 - kept.length, since: '2026-12-02T15:00:01.000Z' }]);
    expect(lines.at(-1)).toEqual({ event: 'after', line: 500 });
    expect(lines.indexOf(report[0]!)).toBe(kept.length);
  });

  it('drops nothing while the reader keeps up', async () => {
    const chunks: string[] = [];
    const stream = new Writable({ decodeStrings: false, write(chunk: string, _encoding, done) { chunks.push(chunk); done(); } });
    const write = boundedLineSink(stream, 200);
    for (let line = 0; line < 1000; line += 1) {
      write(JSON.stringify({ event: 'steady', line }));
      if (stream.writableLength > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const lines = logLines(chunks);
    expect(lines).toHaveLength(1000);
    expect(lines.some((line) => line.event === 'log.lines_dropped')).toBe(false);
  });

  it("bounds the IdP's standard output when it is a pipe nobody reads", async () => {
    const total = 20_000;
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, ['test/support/log-flood.ts', String(total)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
