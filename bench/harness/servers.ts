/**
 * Starts the two servers under test as child processes of the harness, each one process (no npm,
 * shell or loader CLI in between), so /proc/<pid> is the server itself and its CPU and memory are
 * all that is measured.
 *
 * RUNTIME is the one place that says how they run: both as plain JavaScript under plain `node`,
 * with no TypeScript loader in the server process (tsx would add its own startup time and RSS).
 * Ours is the production build: `npm run build`'s dist/, with the thread-pool preload the
 * production entry has (`npm run start:idp`: node --require ./dist/bin/thread-pool.cjs
 * dist/main.js), through bench/our-idp.mjs, which is dist/main.js plus the bench's seed. The
 * baseline is compiled by `tsc -p bench/tsconfig.build.json` to bench/.build/. `npm run prebench`
 * builds both, so `npm run bench` measures the code as it is checked out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { PRODUCTION_RUNTIME_ENV } from '../../src/bin/malloc-tunables.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServerName = 'baseline' | 'ours';

export const RUNTIME: Readonly<Record<ServerName, { nodeArgs: string[]; entry: string; env: Record<string, string> }>> = Object.freeze({
  // As `npm run start:idp` runs the IdP: the thread pool sized by src/bin/thread-pool.cjs (built to
  // dist/bin/), and glibc's malloc set as its script and the README's deployments set it.
  ours: { nodeArgs: ['--require', './dist/bin/thread-pool.cjs'], entry: 'bench/our-idp.mjs', env: { ...PRODUCTION_RUNTIME_ENV } },
  // A bare oidc-provider app runs with Node's defaults (libuv's 4 threads, glibc's default arenas).
  baseline: { nodeArgs: [], entry: 'bench/.build/bench/baseline/main.js', env: {} },
});

export interface RunningServer {
  name: ServerName;
  issuer: string;
  pid: number;
  command: string;
  startupMs: number;
  /** The last lines the server wrote to stderr (shown when it dies). */
  stderrTail(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** A port nothing listens on now (the kernel's pick), for a server about to start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilServing(issuer: string, child: ChildProcess, tail: () => string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const answer = await request(`${issuer}/.well-known/openid-configuration`);
      await answer.body.dump();
      if (answer.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the ${issuer} server did not start:\n${tail()}`);
}

/**
 * `env`: the server's whole environment beyond PATH and HOME (nothing else of the harness's leaks
 * in); ISSUER and PORT are added here. `extraNodeArgs`: e.g. --cpu-prof.
 */
export async function startServer(name: ServerName, env: Record<string, string>, extraNodeArgs: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { nodeArgs, entry, env: runtimeEnv } = RUNTIME[name];
  const args = [...nodeArgs, ...extraNodeArgs, entry];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...runtimeEnv, ...env, ISSUER: issuer, PORT: String(port) },
    // Logs go where production's would go unread: stdout to /dev/null (written all the same).
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const stderrTail = () => tail;
  await waitUntilServing(issuer, child, stderrTail);
  return {
    name,
    issuer,
    pid: child.pid!,
    command: [...Object.entries(runtimeEnv).map(([key, value]) => `${key}=${value}`), 'node', ...args].join(' '),
    startupMs: performance.now() - started,
    stderrTail,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // A clean exit writes --cpu-prof profiles; a stuck one is not waited for forever.
      if ((await Promise.race([exited, sleep(15_000, 'timeout')])) === 'timeout') child.kill('SIGKILL');
    },
  };
}
