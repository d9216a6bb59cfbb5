/**
 * src/bin/thread-pool.cjs, the preload of every entry point that serves sign-ins: it sizes libuv's
 * pool (where argon2id runs) and starts it 10 steps of nice below the event loop, so a free core
 * goes to requests before password checks (issue 10), and only then allows one more check than
 * cores. Relative to the process's own nice; where the pool can't be lowered, nothing is touched
 * and the checks stay at one per core.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The nice this test runs at: the children start from it, as `nice -n` adds to it. */
const BASE = getPriority();
const CORES = availableParallelism();

interface Started {
  eventLoop: number;
  others: number[];
  passwordChecks: string | undefined;
}

/** A node started with the preload under `nice -n <niceness>`: the nice of its event loop and of every other thread. */
function startedWith(niceness: number, env: Record<string, string> = {}, preloadsBefore: string[] = []): Started {
  const report = `
    const { readdirSync, readFileSync } = require('node:fs');
    const nice = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
    const others = readdirSync('/proc/self/task').filter((tid) => Number(tid) !== process.pid).map(nice);
    console.log(JSON.stringify({ eventLoop: nice(process.pid), others, passwordChecks: process.env.PASSWORD_CHECK_CONCURRENCY }));`;
  const preloads = [...preloadsBefore, './src/bin/thread-pool.cjs'].flatMap((file) => ['--require', file]);
  const output = execFileSync('nice', ['-n', String(niceness), process.execPath, ...preloads, '-e', report], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output) as Started;
}

const count = (values: number[], value: number) => values.filter((v) => v === value).length;
const below = (nice: number) => Math.min(19, nice + 10);

describe("the thread-pool preload: libuv's pool below the event loop", () => {
  it('lowers every thread of the pool (a check per core plus one, plus 4) 10 steps, and then allows that extra check', () => {
    const { eventLoop, others, passwordChecks } = startedWith(0);
    expect(eventLoop).toBe(BASE);
    expect(count(others, below(BASE))).toBe(CORES + 1 + 4);
    // V8's and Node's own threads keep the process's priority.
    expect(count(others, BASE)).toBe(others.length - (CORES + 1 + 4));
    expect(passwordChecks).toBe(String(CORES + 1));
  });

  it('sizes the pool from PASSWORD_CHECK_CONCURRENCY, leaving it as set, and lowers a pool UV_THREADPOOL_SIZE sets too', () => {
    const configured = startedWith(0, { PASSWORD_CHECK_CONCURRENCY: '2' });
    expect(count(configured.others, below(BASE))).toBe(6);
    expect(configured.passwordChecks).toBe('2');
    expect(count(startedWith(0, { UV_THREADPOOL_SIZE: '9' }).others, below(BASE))).toBe(9);
  });

  it('leaves a wrong PASSWORD_CHECK_CONCURRENCY as it is, for config.ts to refuse, and fills in an empty one', () => {
    expect(startedWith(0, { PASSWORD_CHECK_CONCURRENCY: 'lots' }).passwordChecks).toBe('lots');
    expect(startedWith(0, { PASSWORD_CHECK_CONCURRENCY: '2.5' }).passwordChecks).toBe('2.5');
    expect(startedWith(0, { PASSWORD_CHECK_CONCURRENCY: '' }).passwordChecks).toBe(String(CORES + 1));
  });

  it('lowers the pool even where file system calls go to io_uring (the pool starts on crypto work)', () => {
    const uring = startedWith(0, { UV_USE_IO_URING: '1' });
    expect(count(uring.others, below(BASE))).toBe(CORES + 1 + 4);
    expect(uring.passwordChecks).toBe(String(CORES + 1));
  });

  it('lowers the pool from where the process was started, never above its event loop', () => {
    const started = Math.min(19, BASE + 5);
    const lowered = startedWith(5);
    expect(lowered.eventLoop).toBe(started);
    expect(lowered.others.filter((nice) => nice < started)).toEqual([]);
    if (started < 19) expect(count(lowered.others, below(started))).toBe(CORES + 1 + 4);
  });

  it('touches nothing and stays at one check per core when the pool cannot be lowered: already lowest, or started before it', () => {
    const lowest = startedWith(19);
    expect(lowest.eventLoop).toBe(19);
    expect(lowest.passwordChecks).toBe(String(CORES));

    // Another preload (an APM agent, say) that started the pool first.
    const dir = mkdtempSync(join(tmpdir(), 'early-pool-'));
    try {
      writeFileSync(join(dir, 'early.cjs'), "require('node:crypto').randomFill(Buffer.alloc(1), () => {});\n");
      const late = startedWith(0, {}, [join(dir, 'early.cjs')]);
      expect(late.others.filter((nice) => nice !== BASE)).toEqual([]);
      expect(late.passwordChecks).toBe(String(CORES));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
