/**
 * `npm run bench:flood`: what a flood of failed sign-ins does to everyone else, measured.
 *
 * Starts the IdP as its own process, as `npm run start:idp` does: the production build (dist/,
 * made by `npm run prebench:flood`) under plain node, thread pool sized by
 * dist/bin/thread-pool.cjs, glibc's malloc set (src/bin/malloc-tunables.ts); in-memory store,
 * TRUST_PROXY so each flooding request can claim its own address. Then, for each of three IdP
 * processes (the password-check cap as shipped, a cap of 1, the cap lifted:
 * PASSWORD_CHECK_CONCURRENCY=64 and a huge queue), it measures discovery
 * latency (p50/p99) with no load and during a flood of failed sign-ins from many addresses. Prints a Markdown table; the numbers are ratios to the unloaded baseline of
 * the same run, never assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HttpClient, interactionUid } from '../test/support/http-client.js';
import { fetchLoopback } from '../test/support/oidc-flow.js';
import { PRODUCTION_RUNTIME_ENV } from '../src/bin/malloc-tunables.js';
import { freePort } from './harness/servers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FLOOD_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const FLOOD_CONCURRENCY = 64;

async function startIdp(extraEnv: Record<string, string>): Promise<{ issuer: string; child: ChildProcess }> {
  const port = await freePort();
  const issuer = `http://idp.localhost:${port}`;
  const child = spawn(process.execPath, ['--require', './dist/bin/thread-pool.cjs', 'dist/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...PRODUCTION_RUNTIME_ENV, NODE_ENV: 'development', ISSUER: issuer, TRUST_PROXY: 'true', LOG_LEVEL: 'error', SIGN_IN_PAGES_PER_SOURCE_PER_MINUTE: '100000', LOGIN_ATTEMPTS_PER_PAGE: '10000', ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let tries = 0; tries < 200; tries += 1) {
    try {
      if (child.exitCode !== null) break;
      if ((await fetchLoopback(`${issuer}/healthz`)).ok) return { issuer, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('the IdP did not start');
}

/** Login pages (through the account console, the one client every IdP has), with their cookies. */
async function loginPages(issuer: string, count: number) {
  const pages = [];
  for (let n = 0; n < count; n += 1) {
    const browser = new HttpClient();
    const page = await browser.follow(await browser.get(`${issuer}/account/login`));
    pages.push({ jar: browser.jar, url: `${issuer}/interaction/${interactionUid(page.url)}/login` });
  }
  return pages;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Discovery latencies, one request at a time, for `seconds`. */
async function discoveryLatencies(issuer: string, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const start = performance.now();
    await (await fetchLoopback(`${issuer}/.well-known/openid-configuration`)).arrayBuffer();
    latencies.push(performance.now() - start);
  }
  return latencies.sort((a, b) => a - b);
}

/** Failed sign-ins from ever new addresses, FLOOD_CONCURRENCY at a time, until `stop` says so. */
async function flood(issuer: string, stop: () => boolean): Promise<Map<number, number>> {
  const pages = await loginPages(issuer, 16);
  const statuses = new Map<number, number>();
  let n = 0;
  await Promise.all(
    Array.from({ length: FLOOD_CONCURRENCY }, async () => {
      while (!stop()) {
        n += 1;
        const page = pages[n % pages.length]!;
        const address = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
        // One connection pool for the whole flood (fetchLoopback), as a load generator has.
        const reply = await new HttpClient(page.jar, { 'x-forwarded-for': address }, fetchLoopback).post(page.url, { email: `victim-${n}@example.com`, password: 'wrong-password' });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

async function measure(label: string, env: Record<string, string>) {
  const { issuer, child } = await startIdp(env);
  try {
    await discoveryLatencies(issuer, 1); // warm up
    const idle = await discoveryLatencies(issuer, FLOOD_SECONDS / 2);
    let done = false;
    const flooding = flood(issuer, () => done);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const loaded = await discoveryLatencies(issuer, FLOOD_SECONDS);
    done = true;
    const statuses = await flooding;
    return { label, idle, loaded, statuses };
  } finally {
    child.kill('SIGTERM');
  }
}

const runs = [
  await measure(`cap as shipped (${availableParallelism() + 1} at once, ${16 * (availableParallelism() + 1)} waiting)`, {}),
  await measure('cap of 1 (1 at once, 4 waiting)', { PASSWORD_CHECK_CONCURRENCY: '1', PASSWORD_CHECK_QUEUE: '4' }),
  await measure('cap lifted (64 at once, 10,000 waiting)', { PASSWORD_CHECK_CONCURRENCY: '64', PASSWORD_CHECK_QUEUE: '10000', UV_THREADPOOL_SIZE: '68' }),
];
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`\nDiscovery latency while ${FLOOD_CONCURRENCY} concurrent failed sign-ins from ever new addresses hit the IdP, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} cores:\n`);
console.log('| IdP | discovery p50 / p99 idle | during the flood | p99 ratio | sign-in answers during the flood |');
console.log('| --- | --- | --- | --- | --- |');
for (const run of runs) {
  const answers = [...run.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${count} × ${status}`).join(', ');
  console.log(`| ${run.label} | ${ms(percentile(run.idle, 50))} / ${ms(percentile(run.idle, 99))} | ${ms(percentile(run.loaded, 50))} / ${ms(percentile(run.loaded, 99))} | ${(percentile(run.loaded, 99) / percentile(run.idle, 99)).toFixed(1)}x | ${answers} |`);
}
