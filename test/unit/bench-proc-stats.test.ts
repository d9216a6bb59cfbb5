/**
 * The machine's idle share that `npm run bench` reports beside each window (bench/harness/proc-stats.ts):
 * what neither server nor the load generator used. Read from /proc/stat's aggregate line (Linux, as
 * the bench's other /proc readings and CI). And the fields of a process's or thread's stat file,
 * which the bench's CPU figures and test/integration/production-build.test.ts read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idleShare, machineTicks, statFields } from '../../bench/harness/proc-stats.js';

describe("the bench's machine idle share", () => {
  it('is the idle ticks over all ticks between two readings', () => {
    expect(idleShare({ idle: 100, total: 1000 }, { idle: 150, total: 2000 })).toBeCloseTo(0.05);
    expect(idleShare({ idle: 100, total: 1000 }, { idle: 100, total: 1000 })).toBeUndefined();
    expect(idleShare(undefined, { idle: 1, total: 2 })).toBeUndefined();
  });

  it('reads every core from /proc/stat: a busy loop between two readings leaves a share between 0 and 1', () => {
    const from = machineTicks();
    expect(from).toBeDefined();
    expect(from!.idle).toBeLessThanOrEqual(from!.total);
    const until = Date.now() + 120;
    while (Date.now() < until);
    const share = idleShare(from, machineTicks());
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(1);
  });
});

describe("a /proc stat file's fields", () => {
  it('start at the state after a command name that holds spaces and parentheses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-stat-'));
    const file = join(dir, 'stat');
    // proc(5): pid (comm) state ppid ...; a thread may name itself anything, ") 9 9" included.
    writeFileSync(file, '4242 (node ) 9 9 (x)) S 17 4242 4242 0 -1 4194304 10 0 0 0 250 31 0 0 20 10 11\n');
    const fields = statFields(file);
    expect(fields[0]).toBe('S');
    expect(Number(fields[1])).toBe(17); // the parent
    expect(Number(fields[11]) + Number(fields[12])).toBe(281); // utime + stime
    expect(Number(fields[16])).toBe(10); // nice
    rmSync(dir, { recursive: true });
  });

  it("are this process's own, read from /proc: its state and its parent", () => {
    const fields = statFields(`/proc/${process.pid}/stat`);
    expect(fields[0]).toMatch(/^[RSD]$/);
    expect(Number(fields[1])).toBe(process.ppid);
  });
});
