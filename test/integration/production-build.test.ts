/**
 * `npm run build`, then the IdP the way `npm run start:idp` runs it: the compiled JavaScript under
 * plain `node`, one process, with no TypeScript loader or compiler anywhere in it.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pug from 'pug';
import { HttpClient, parseForm } from '../support/http-client.js';
import { inspect, inspectorUrl } from '../support/inspector.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { runEntry } from '../support/spawn.js';
import { reservePort } from '../support/stack.js';
import { readStartIdpScript } from '../support/start-idp-script.js';
import { MALLOC_TUNABLES, PRODUCTION_RUNTIME_ENV } from '../../src/bin/malloc-tunables.js';
import { statFields } from '../../bench/harness/proc-stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// A TypeScript loader or compiler, or TypeScript itself, found by path in what the process has
// compiled. (@babel/parser and @babel/types are pug's, for its JavaScript expressions: they stay.)
const TYPESCRIPT_TOOLING = /\/node_modules\/(tsx|typescript|ts-node|ts-jest|esbuild|@esbuild|@swc|@babel\/(core|preset-typescript|register))\/|\.[cm]?tsx?$/;

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
}

/** Starts `node <args>` and waits until `ready` shows in what it prints. */
async function startNode(args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!ready.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the built IdP did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output };
}

/** The processes whose parent is `pid` (the field after the state). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(statFields(`/proc/${name}/stat`)[1]) === pid;
      } catch {
        return false; // it ended while we looked
      }
    })
    .map(Number);
}

function runNpm(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', args, { cwd: ROOT, env: process.env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('the production build (npm run build, npm run start:idp)', () => {
  // What `npm run start:idp` runs, read from package.json so the test runs what users run.
  const { assignments, env: scriptEnv, command, args: nodeArgs } = readStartIdpScript();
  let idp: Started;
  let issuer: string;

  beforeAll(async () => {
    const build = await runNpm(['run', '--silent', 'build']);
    if (build.code !== 0) throw new Error(`npm run build failed:\n${build.output}`);
    const reserved = await reservePort();
    await reserved.close();
    issuer = reserved.url('idp');
    // The inspector flag lets the test list what the process has compiled; it loads nothing.
    idp = await startNode(['--inspect=127.0.0.1:0', ...nodeArgs], { ...scriptEnv, NODE_ENV: 'development', ISSUER: issuer }, /idp\.listening/);
  }, 90_000);

  afterAll(async () => {
    if (!idp || idp.child.exitCode !== null) return;
    const closed = new Promise((resolve) => idp.child.once('close', resolve));
    idp.child.kill('SIGTERM');
    await closed;
  });

  it('starts with plain node on the compiled entry and the thread-pool preload, nothing else', () => {
    expect(command).toBe('node');
    expect(nodeArgs).toEqual(['--require', './dist/bin/thread-pool.cjs', 'dist/main.js']);
    // glibc's malloc set (src/bin/malloc-tunables.ts), as the README's deployments set it too.
    expect(scriptEnv).toEqual(PRODUCTION_RUNTIME_ENV);
    const pid = idp.child.pid as number;
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(realpathSync(process.execPath));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline).toEqual([process.execPath, '--inspect=127.0.0.1:0', ...nodeArgs]);
    expect(childrenOf(pid)).toEqual([]);
    // glibc up to 2.38 cuts GLIBC_TUNABLES into its settings in place as it reads them (a NUL
    // over each ':'); later versions leave it whole. That they take effect: malloc-tunables.test.ts.
    const settings = MALLOC_TUNABLES.split(':').map((setting) => setting.replaceAll('.', '\\.'));
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toMatch(new RegExp(`(?:^|\0)GLIBC_TUNABLES=${settings.join('[:\0]')}\0`));
  });

  it("adds an operator's own GLIBC_TUNABLES after ours instead of dropping ours", () => {
    const tunables = assignments.find((word) => word.startsWith('GLIBC_TUNABLES='));
    if (!tunables) throw new Error('npm run start:idp sets no GLIBC_TUNABLES');
    // The same expansion as the script's, by the same shell npm runs scripts with; printf is a builtin, so no glibc reads it.
    const expand = (env: Record<string, string>) => execFileSync('sh', ['-c', `${tunables}; printf '%s' "$GLIBC_TUNABLES"`], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    expect(expand({})).toBe(MALLOC_TUNABLES);
    expect(expand({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' })).toBe(`${MALLOC_TUNABLES}:glibc.pthread.rseq=0`);
  });

  it('has no TypeScript loader or compiler in memory: every module of ours comes from dist/', async () => {
    const url = inspectorUrl(idp.output());
    if (!url) throw new Error(`no inspector URL in:\n${idp.output()}`);
    const { scripts, value: threadPoolSize } = await inspect(url, 'process.env.UV_THREADPOOL_SIZE');
    const files = scripts.filter((script) => script.startsWith('file://'));
    expect(files).toContain(`file://${ROOT}dist/main.js`);
    expect(files.filter((script) => TYPESCRIPT_TOOLING.test(script))).toEqual([]);
    expect(files.filter((script) => !script.startsWith(`file://${ROOT}dist/`) && !script.startsWith(`file://${ROOT}node_modules/`))).toEqual([]);
    // dist/bin/thread-pool.cjs ran before the ES modules: the pool has a thread per password check
    // (one per core, plus one: the pool is below the event loop), plus 4.
    expect(threadPoolSize).toBe(String(availableParallelism() + 1 + 4));
    expect((await inspect(url, 'process.env.PASSWORD_CHECK_CONCURRENCY')).value).toBe(String(availableParallelism() + 1));
  });

  it("runs libuv's pool, where password checks run, below the event loop's priority, and a check runs there", async () => {
    const pid = idp.child.pid as number;
    const threads = () =>
      readdirSync(`/proc/${pid}/task`).map((tid) => {
        const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
        // proc(5): utime and stime are fields 14 and 15, nice field 19.
        return { tid: Number(tid), cpuTicks: Number(fields[11]) + Number(fields[12]), nice: Number(fields[16]) };
      });
    // Relative to the process's own nice (thread-pool-priority.test.ts): 10 steps below, at most 19.
    const eventLoop = threads().find((thread) => thread.tid === pid)!.nice;
    const lowered = Math.min(19, eventLoop + 10);
    const pool = (list: ReturnType<typeof threads>) => list.filter((thread) => thread.nice === lowered);
    expect(pool(threads())).toHaveLength(availableParallelism() + 1 + 4);
    expect(threads().filter((thread) => thread.nice !== eventLoop && thread.nice !== lowered)).toEqual([]);

    const cpuOfPool = () => pool(threads()).reduce((sum, thread) => sum + thread.cpuTicks, 0);
    const before = cpuOfPool();
    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(`${issuer}/account/login`));
    // An unknown email is checked against a dummy hash all the same: one argon2id check (~20-30 ms).
    const form = parseForm(login.body);
    for (let i = 0; i < 3; i += 1) {
      const refused = await browser.post(new URL(form.action, login.url).href, { ...form.fields, email: `nobody-${i}@example.com`, password: 'not the password' });
      expect(refused.body).toContain('Email or password is incorrect');
    }
    // Three checks of ~20-30 ms each: well over the 4 clock ticks (40 ms) nothing else of a refused sign-in spends there.
    expect(cpuOfPool() - before).toBeGreaterThanOrEqual(4);
  });

  it('serves discovery, a login page rendered from views/ and the stylesheet from views/assets', async () => {
    const discovery = await fetchLoopback(`${issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);

    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(`${issuer}/account/login`));
    expect(login.status).toBe(200);
    expect(login.url).toMatch(/\/interaction\/[^/]+$/);
    expect(login.body).toContain('name="password"');

    const css = await fetchLoopback(`${issuer}/assets/site.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toBe(readFileSync(`${ROOT}views/assets/site.css`, 'utf8'));
  });

  it('renders its pages from views compiled at build time, without loading the pug compiler', async () => {
    const page = await fetchLoopback(`${issuer}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Page not found');
    const url = inspectorUrl(idp.output());
    if (!url) throw new Error(`no inspector URL in:\n${idp.output()}`);
    const { scripts } = await inspect(url, '1');
    expect(scripts).toContain(`file://${ROOT}dist/views/login.cjs`);
    expect(scripts).toContain(`file://${ROOT}dist/views/error.cjs`);
    expect(scripts.filter((script) => /\/node_modules\/(pug[^/]*|@babel\/[^/]+)\//.test(script))).toEqual([]);
  });

  it('compiles every page of views/ to what pug renders from the source', () => {
    const load = createRequire(import.meta.url);
    const pages = readdirSync(`${ROOT}views`).filter((file) => file.endsWith('.pug'));
    const locals = { code: 'not_found', title: 'Page not found', message: 'There is nothing at this address.', detail: '<b>escaped</b>', issuer: 'https://idp.example', discovery: 'https://idp.example/.well-known/openid-configuration' };
    for (const page of ['error.pug', 'home.pug']) {
      const compiled = load(`${ROOT}dist/views/${page.replace('.pug', '.cjs')}`) as (locals: object) => string;
      expect(compiled(locals)).toBe(pug.compileFile(`${ROOT}views/${page}`, { basedir: `${ROOT}views` })(locals));
    }
    expect(readdirSync(`${ROOT}dist/views`).sort()).toEqual(pages.map((page) => page.replace('.pug', '.cjs')).sort());
  });

  it('builds the admin CLI too: node dist/bin/admin.js', async () => {
    const run = await runEntry('dist/bin/admin.js', ['--help'], {});
    expect(run.code).toBe(0);
    expect(run.output).toContain('tokens create-initial-access');
  });
});
