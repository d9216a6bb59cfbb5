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
 * core, as in config.ts) plus 4 threads for everything else. An explicit UV_THREADPOOL_SIZE wins.
 */
const { availableParallelism } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  const configured = Number(process.env.PASSWORD_CHECK_CONCURRENCY);
  const passwordChecks = Number.isSafeInteger(configured) && configured > 0 ? configured : availableParallelism();
  process.env.UV_THREADPOOL_SIZE = String(Math.min(passwordChecks + 4, 1024));
}
