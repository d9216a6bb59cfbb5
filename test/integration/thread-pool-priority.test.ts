/**
 * src/bin/thread-pool.cjs, the preload of every entry point that serves sign-ins: it sizes libuv's
 * pool (where argon2id runs) and starts it 10 steps of nice below the event loop, so requests get
 * a core before a password check does (issue 10). Relative to the process's own nice: started
 * below other processes, the pool goes lower still, never above its event loop.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The nice of the event loop and of every other thread, in a node started with the preload under `nice -n <niceness>`. */
function threadsStartedWith(niceness: number, env: Record<string, string> = {}): { eventLoop: number; others: number[] } {
  const report = `
    const { readdirSync, readFileSync } = require('node:fs');
    const nice = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
    const others = readdirSync('/proc/self/task').filter((tid) => Number(tid) !== process.pid).map(nice);
    console.log(JSON.stringify({ eventLoop: nice(process.pid), others }));`;
  const output = execFileSync('nice', ['-n', String(niceness), process.execPath, '--require', './src/bin/thread-pool.cjs', '-e', report], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output) as { eventLoop: number; others: number[] };
}

const count = (values: number[], value: number) => values.filter((v) => v === value).length;

describe("the thread-pool preload: libuv's pool below the event loop", () => {
  it('starts every thread of the pool (a password check per core plus one, plus 4) 10 steps below the event loop', () => {
    const { eventLoop, others } = threadsStartedWith(0);
    expect(eventLoop).toBe(0);
    expect(count(others, 10)).toBe(availableParallelism() + 1 + 4);
    // V8's and Node's own threads keep the process's priority.
    expect(count(others, 0)).toBe(others.length - count(others, 10));
  });

  it('sizes the pool from PASSWORD_CHECK_CONCURRENCY, and lowers the pool UV_THREADPOOL_SIZE sets too', () => {
    expect(count(threadsStartedWith(0, { PASSWORD_CHECK_CONCURRENCY: '2' }).others, 10)).toBe(6);
    expect(count(threadsStartedWith(0, { UV_THREADPOOL_SIZE: '9' }).others, 10)).toBe(9);
  });

  it('lowers the pool from where the process was started, never raising it above the event loop', () => {
    const lowered = threadsStartedWith(5);
    expect(lowered.eventLoop).toBe(5);
    expect(count(lowered.others, 15)).toBe(availableParallelism() + 1 + 4);

    const lowest = threadsStartedWith(15);
    expect(lowest.eventLoop).toBe(15);
    expect(count(lowest.others, 19)).toBe(availableParallelism() + 1 + 4);
    expect(lowest.others.filter((nice) => nice < 15)).toEqual([]);
  });
});
