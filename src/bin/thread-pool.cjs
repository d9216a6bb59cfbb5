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
 * Size: the password checks that may run at once (PASSWORD_CHECK_CONCURRENCY, default one per
 * core plus one, as in config.ts) plus 4 threads for everything else. An explicit
 * UV_THREADPOOL_SIZE wins.
 *
 * Priority: the pool's threads run POOL_NICENESS steps of nice below the event loop (Linux;
 * elsewhere, or if the pool had already started, they keep the process's priority). A password check is
 * background work that a person waits ~30 ms for anyway; a request on the event loop is what
 * everyone else waits for. So a core the event loop wants goes to it, and the checks get every
 * cycle it leaves. That is what lets one more check than cores run (config.ts): without it, a
 * freed slot reaches the next check only through the event loop, and in `npm run bench` a core
 * waited ~5% of the time under sign-ins; at the same priority the extra check took cores from the
 * requests instead (bench/README.md, issue 10).
 */
const { readdirSync, stat } = require('node:fs');
const { availableParallelism, getPriority, setPriority } = require('node:os');

/**
 * CFS gives a thread 10 steps of nice below another ~10% of a core against it (kernel weights
 * 110 : 1024 for 10 and 0). Relative to the process's own nice, so a process started below others
 * (`nice -n 5`) never has its pool raised above its event loop.
 */
const POOL_NICENESS = 10;
const LOWEST_PRIORITY = 19;

if (!process.env.UV_THREADPOOL_SIZE) {
  const configured = Number(process.env.PASSWORD_CHECK_CONCURRENCY);
  const passwordChecks = Number.isSafeInteger(configured) && configured > 0 ? configured : availableParallelism() + 1;
  process.env.UV_THREADPOOL_SIZE = String(Math.min(passwordChecks + 4, 1024));
}

/** This process's threads (Linux), or undefined where /proc can't say. */
function threads() {
  try {
    return new Set(readdirSync('/proc/self/task'));
  } catch {
    return undefined;
  }
}

// libuv starts every thread of its pool, synchronously, when the first work is queued: the threads
// that appear across queueing one are the pool's.
const before = threads();
stat(__filename, () => {});
const after = threads();
if (before && after) {
  for (const tid of after) {
    if (before.has(tid)) continue;
    try {
      setPriority(Number(tid), Math.min(LOWEST_PRIORITY, getPriority(Number(tid)) + POOL_NICENESS));
    } catch {
      // Not allowed here (a sandbox): the checks keep the event loop's priority, as before.
    }
  }
}
