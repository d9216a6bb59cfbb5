/**
 * Sizes libuv's thread pool before anything uses it. argon2id runs there (one thread per check),
 * and so do file reads, DNS lookups and async crypto: with the default 4 threads, a few password
 * checks on a bigger machine would queue everything else behind them. libuv reads
 * UV_THREADPOOL_SIZE once, when the pool starts, and Node's ES module loader starts it while
 * loading our modules, so setting it from an ES module is too late: entry points load this file
 * with `node --require` (tsx passes the flag on; `npm run build` emits it as
 * dist/bin/thread-pool.cjs for the compiled entry). It is the one place outside config.ts that
 * reads the environment, because it must run before config.ts can.
 *
 * Priority: it starts the pool itself and lowers its threads POOL_NICENESS steps of nice below the
 * process (Linux). A password check is work a person waits ~30 ms for anyway; a request on the
 * event loop is what everyone else waits for. So when both are ready to run, a free core goes to
 * the event loop first. Everything else on the pool (WebCrypto's token signing, DNS lookups, file
 * reads) is lowered with it: it still competes with the checks as before, only no longer with the
 * event loop.
 *
 * Size: the password checks that may run at once (PASSWORD_CHECK_CONCURRENCY) plus 4 threads for
 * everything else; an explicit UV_THREADPOOL_SIZE wins. Unset, the checks are one per core plus
 * one when the pool was lowered, and one per core (config.ts's default) when it wasn't: with one
 * per core, a freed slot reaches the next check only through the event loop, and under sign-ins a
 * core waited ~5% of the time (`npm run bench`); the extra check fills it, but at the event loop's
 * priority it took cores from the requests instead (bench/README.md, issue 10). The choice is
 * written to PASSWORD_CHECK_CONCURRENCY for config.ts to read. Under a CPU quota (a container's
 * `--cpus`) set it yourself: nice decides who gets a free core, not who spends the quota.
 */
const { randomFill } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { availableParallelism, getPriority, setPriority } = require('node:os');

/**
 * Kernel weights 110 : 1024 for 10 steps of nice apart: a pool thread gets ~10% of a core against
 * the event loop. Relative to the process's own nice, so a process started under `nice` never has
 * its pool raised above its event loop.
 */
const POOL_NICENESS = 10;
const LOWEST_PRIORITY = 19;

// Unset as config.ts's readInteger takes it. A value that is set but wrong is left for config.ts
// to refuse with the others, never replaced by a default here.
const raw = process.env.PASSWORD_CHECK_CONCURRENCY;
const checksUnset = raw === undefined || raw === '';
const configured = Number(raw);
const oneCheckPerCore = availableParallelism();
if (!process.env.UV_THREADPOOL_SIZE) {
  const checks = !checksUnset && Number.isSafeInteger(configured) && configured > 0 ? configured : oneCheckPerCore + 1;
  process.env.UV_THREADPOOL_SIZE = String(Math.min(checks + 4, 1024));
}

/** This process's thread ids (Linux), or undefined where /proc can't say. */
function threads() {
  try {
    return new Set(readdirSync('/proc/self/task'));
  } catch {
    return undefined;
  }
}

/** A thread's nice as the kernel reports it (proc(5): field 19 of its stat). */
function niceOf(tid) {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/**
 * Starts the pool and lowers every thread of it; true only if all of them were. libuv starts every
 * thread of its pool, synchronously, when the first work is queued, so the threads that appear
 * across queueing one are the pool's: if there are not exactly UV_THREADPOOL_SIZE of them (the pool
 * was started before this ran, by another preload; or the work went elsewhere), nothing is touched.
 * A random fill is pool work on every platform (file system calls may go to io_uring instead).
 */
function lowerThePool() {
  const before = threads();
  randomFill(Buffer.alloc(1), () => {});
  const after = threads();
  if (!before || !after) return false;
  const pool = [...after].filter((tid) => !before.has(tid));
  if (pool.length !== Number(process.env.UV_THREADPOOL_SIZE)) return false;
  try {
    for (const tid of pool) setPriority(Number(tid), Math.min(LOWEST_PRIORITY, getPriority(Number(tid)) + POOL_NICENESS));
    // Read back: a sandbox may accept the call and change nothing.
    const eventLoop = getPriority();
    return pool.every((tid) => niceOf(tid) > eventLoop);
  } catch {
    return false; // not allowed here: the checks keep the event loop's priority
  }
}

const lowered = lowerThePool();
if (checksUnset) process.env.PASSWORD_CHECK_CONCURRENCY = String(lowered ? oneCheckPerCore + 1 : oneCheckPerCore);
