/**
 * `npm run bench:ab`: the bare engine, our IdP (dist/, on the in-memory store) and, with --variant,
 * another build of it, all in this one process, answering userinfo and introspection requests
 * handed straight to their request handlers (no sockets, no HTTP parsing), round after round in
 * alternating order. Process CPU per request, per server: each one's middle value and its middle
 * difference from the others, round by round. With `--operations sign-in`: full sign-ins (the
 * bench's flow, bench/harness/flows.ts) over loopback HTTP, each server listening on a port of its
 * own, read as the CPU of this process's main thread per sign-in: the servers' event loops, where
 * our part of a sign-in runs, while the argon2id checks run on libuv's threads and are left out.
 * The simulated browsers run on that thread too; their share is about the same for every server.
 *
 * Why another tool beside `npm run bench:cpu`: rounds of a separate server process scatter by
 * ~10 µs, about the size of what a single change to the request path saves, while paired rounds
 * in one process scatter by ~2-3 µs (an A/A run: dist/ against a copy of itself). What it leaves
 * out, by design: the HTTP server and sockets (the same code for both), and each server's own heap
 * and JIT (here they share both; a server measured alone in its process came out up to ~8 µs
 * slower). So its differences between builds are the thing to read, not its ratio to the
 * baseline: that is `npm run bench:cpu`'s. Issue 10; bench/README.md has what it found.
 *
 * A variant is a copy of a build inside this checkout, so that it resolves node_modules:
 *   npm run build && mkdir -p .ab && rm -rf .ab/before && cp -r dist .ab/before
 *   (change the code)
 *   npm run bench:ab -- --variant .ab/before
 */
import { IncomingMessage, ServerResponse, createServer, type RequestListener } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Provider from 'oidc-provider';
import { createBaselinePages } from './baseline/pages.js';
import { BASELINE_ACCOUNT_ID, createBaselineProvider } from './baseline/provider.js';
import { BENCH_CLIENTS, benchSeed } from './fixture.js';
import { Target } from './harness/browser.js';
import { fullSignIn, relyingParty, type RelyingParty } from './harness/flows.js';
import { abUsage, middle, pairedMedianDifference, readAbSettings, roundOrder, routeOf, type AbOperation } from './harness/paired.js';
import { freePort } from './harness/servers.js';
import { exitWith } from './harness/exit-with.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Server {
  name: string;
  issuer: string;
  /** The issuer's host, for the Host header of every request handed over. */
  host: string;
  handle: RequestListener;
  /** The class of its responses, as its own servers make them (ours: security-headers.ts); Node's when not given. */
  Response?: new (request: IncomingMessage) => ServerResponse;
  accessToken: string;
  /**
   * The bench client, as it is after discovery, once a sign-in round needs it. A promise, so the
   * runs that start together share one client (and one connection pool) instead of making one each.
   */
  relyingParty?: Promise<RelyingParty>;
  /** --by-route: the main thread's CPU of its sign-in requests so far, µs by route. */
  routes: RouteCpu;
}

/** A request as Node's HTTP server would hand it over, answered into a socket that drops every byte. */
function send(server: Server, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<number> {
  const socket = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  const request = new IncomingMessage(socket as never);
  Object.assign(request, { method, url: path, headers: { host: server.host, ...headers }, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1 });
  if (body !== undefined) request.push(Buffer.from(body));
  // As the parser leaves it once the whole message is in: the body stream ends after it.
  request.complete = true;
  request.push(null);
  const response = new (server.Response ?? ServerResponse)(request);
  response.assignSocket(socket as never);
  return new Promise((resolve) => {
    response.on('finish', () => resolve(response.statusCode));
    server.handle(request, response);
  });
}

/**
 * The main thread's CPU per route (--by-route): with one request in flight, what the thread spends
 * between a request's arrival and its answer is that request's. The kernel accounts a thread's CPU
 * at its scheduler ticks, so one reading is coarse: read as means over many sign-ins, and as
 * differences between servers, which share that error.
 */
type RouteCpu = Map<string, number>;

function byRoute(handle: RequestListener, routes: RouteCpu): RequestListener {
  return (request, response) => {
    const from = mainThreadCpu();
    const route = routeOf(request.method, request.url);
    response.once('finish', () => routes.set(route, (routes.get(route) ?? 0) + mainThreadCpu() - from));
    handle(request, response);
  };
}

/** Serves `handle` on the loopback port its issuer names, for the sign-in rounds. */
async function listen(issuer: string, handle: RequestListener, Response?: Server['Response'], routes?: RouteCpu): Promise<void> {
  const server = createServer(Response ? { ServerResponse: Response as typeof ServerResponse } : {}, routes ? byRoute(handle, routes) : handle);
  await new Promise<void>((resolve) => server.listen(Number(new URL(issuer).port), '127.0.0.1', resolve));
  server.unref();
}

/** An access token as a sign-in at the first bench client gives one: its grant, then the token. */
async function accessTokenOf(provider: Provider, accountId: string, clientId: string): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid email profile');
  const grantId = await grant.save();
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`no client ${clientId}`);
  return new provider.AccessToken({ accountId, client, grantId, scope: 'openid email profile', gty: 'authorization_code' }).save();
}

/** The bare engine with the bench baseline's login pages, as bench/baseline/main.ts serves it. */
async function baseline(secret: string, routed: boolean): Promise<Server> {
  const issuer = `http://127.0.0.1:${await freePort()}`;
  const provider = await createBaselineProvider(issuer, secret);
  provider.use((await createBaselinePages(provider)).routes());
  const server = { name: 'baseline', issuer, host: new URL(issuer).host, handle: provider.callback(), accessToken: await accessTokenOf(provider, BASELINE_ACCOUNT_ID, BENCH_CLIENTS[0]!.id), routes: new Map() };
  await listen(issuer, server.handle, undefined, routed ? server.routes : undefined);
  return server;
}

/** Our IdP from a build directory, seeded as bench/our-idp.mjs seeds it. */
async function ours(name: string, build: string, secret: string, routed: boolean): Promise<Server> {
  const load = (module: string) => import(new URL(`${build}/${module}`, `file://${ROOT}`).href);
  const [{ loadConfig }, { createIdp }, { hashPassword }, headers] = await Promise.all([load('config.js'), load('idp.js'), load('accounts/passwords.js'), load('http/security-headers.js')]);
  const seed = benchSeed(secret);
  const issuer = `http://127.0.0.1:${await freePort()}`;
  // Always the memory store: seeding a MONGODB_URI from the shell would write into that database.
  const { MONGODB_URI: _notHere, ...env } = process.env;
  const idp = await createIdp(loadConfig({ ...env, ISSUER: issuer, TRUST_PROXY: 'true', NODE_ENV: 'development' }));
  const { password, ...person } = seed.account;
  await idp.storage.accounts.create({ ...person, emailVerified: true, passwordHash: await hashPassword(password) });
  for (const client of seed.clients) await idp.clients.save(client, { firstParty: true });
  const account = await idp.storage.accounts.findByEmail(person.email);
  // A build from before its servers sent the security headers themselves has no idpResponses: its frame sets them.
  const Response = 'idpResponses' in headers ? headers.idpResponses(issuer) : undefined;
  const server = { name, issuer, host: new URL(issuer).host, Response, handle: idp.app.callback(), accessToken: await accessTokenOf(idp.provider(), account.id, BENCH_CLIENTS[0]!.id), routes: new Map() };
  await listen(issuer, server.handle, server.Response, routed ? server.routes : undefined);
  return server;
}

type Run = (server: Server) => Promise<unknown>;

function operation(id: AbOperation, secret: string, concurrency: number): Run {
  const answered = (status: number, server: Server) => {
    if (status !== 200) throw new Error(`${server.name} answered ${status}`);
  };
  if (id === 'userinfo') return async (server) => answered(await send(server, 'GET', '/me', { authorization: `Bearer ${server.accessToken}` }), server);
  if (id === 'sign-in') {
    return async (server) => {
      server.relyingParty ??= relyingParty(new Target(server.issuer, concurrency), BENCH_CLIENTS[0]!, secret);
      await fullSignIn(await server.relyingParty);
    };
  }
  const basic = `Basic ${Buffer.from(`${BENCH_CLIENTS[0]!.id}:${secret}`).toString('base64')}`;
  return async (server) => {
    const body = `token=${server.accessToken}`;
    answered(await send(server, 'POST', '/token/introspection', { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }, body), server);
  };
}

/** CPU of this whole process so far, µs. */
const processCpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * CPU of this process's main thread so far, µs: the kernel's own count (ns), which Node 20 has no
 * call for (process.threadCpuUsage came in Node 23.9). Exact to a scheduler tick per reading.
 */
const mainThreadCpu = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;

/** `count` runs with `concurrency` in flight. */
async function runs(server: Server, run: Run, count: number, concurrency: number): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        await run(server);
      }
    }),
  );
}

/** CPU per run, in µs. */
async function cpuPerRun(server: Server, run: Run, count: number, concurrency: number, cpu: () => number): Promise<number> {
  const start = cpu();
  await runs(server, run, count, concurrency);
  return (cpu() - start) / count;
}

/**
 * KB allocated per run (--allocation), by V8's sampling heap profiler with the objects already
 * collected counted too: every allocation of this process while one server runs, so that server's
 * and its clients' (the simulated browsers', or the requests handed over). Unlike CPU it does not
 * move with the machine's other load, so a change of a few KB a sign-in shows.
 */
async function allocationPerRun(session: Session, server: Server, run: Run, count: number, concurrency: number): Promise<number> {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await runs(server, run, count, concurrency);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let bytes = 0;
  const visit = (node: { selfSize: number; children?: unknown[] }) => {
    bytes += node.selfSize;
    for (const child of node.children ?? []) visit(child as typeof node);
  };
  visit(profile.head);
  return bytes / 1024 / count;
}

/** A table of the event loop's µs per sign-in by route: each server's median round, and its paired difference from the baseline's. */
function printRoutes(servers: Server[], rounds: Map<Server, RouteCpu[]>): void {
  const [base, ...rest] = servers;
  const routes = [...new Set(servers.flatMap((server) => rounds.get(server)!.flatMap((round) => [...round.keys()])))];
  const of = (server: Server, route: string) => rounds.get(server)!.map((round) => round.get(route) ?? 0);
  console.log(`| route | ${servers.map((server) => server.name).join(' | ')} | ${rest.map((server) => `${server.name} - baseline`).join(' | ')} |`);
  console.log(`| --- |${' ---: |'.repeat(servers.length + rest.length)}`);
  for (const route of [...routes, 'all']) {
    const series = (server: Server) => (route === 'all' ? rounds.get(server)!.map((round) => [...round.values()].reduce((sum, cpu) => sum + cpu, 0)) : of(server, route));
    const cells = servers.map((server) => middle(series(server)).toFixed(0));
    const gaps = rest.map((server) => pairedMedianDifference(series(server), series(base!)).toFixed(0));
    console.log(`| ${route} | ${cells.join(' | ')} | ${gaps.join(' | ')} |`);
  }
}

async function main(): Promise<number> {
  const settings = readAbSettings(process.argv.slice(2));
  if (settings === 'help') {
    console.log(abUsage);
    return 0;
  }
  const secret = randomBytes(32).toString('base64url');
  const routed = settings.byRoute;
  let heap: Session | undefined;
  if (settings.allocation) {
    heap = new Session();
    heap.connect();
    await heap.post('HeapProfiler.enable');
  }
  const servers: Server[] = [await baseline(secret, routed), await ours('dist', 'dist', secret, routed), ...(settings.variant ? [await ours(settings.variant, settings.variant, secret, routed)] : [])];
  console.log(
    `Node ${process.version}; per server, operation and round: ${settings.requests} userinfo or introspection requests, ${settings.signIns} sign-ins; ${settings.rounds} rounds; ${settings.concurrency} in flight`,
  );
  for (const id of settings.operations) {
    const run = operation(id, secret, settings.concurrency);
    const signIn = id === 'sign-in';
    const count = signIn ? settings.signIns : settings.requests;
    const measure = (server: Server, times: number) =>
      heap ? allocationPerRun(heap, server, run, times, settings.concurrency) : cpuPerRun(server, run, times, settings.concurrency, signIn ? mainThreadCpu : processCpu);
    // Unmeasured: each server's code compiled and its caches warm before the first round.
    for (const server of servers) await measure(server, Math.ceil(count / 4));
    const figures = new Map(servers.map((server) => [server, [] as number[]]));
    /** --by-route: each round's µs per sign-in by route, per server. */
    const routeRounds = new Map(servers.map((server) => [server, [] as RouteCpu[]]));
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const server of roundOrder(servers, round)) {
        server.routes.clear();
        figures.get(server)!.push(await measure(server, count));
        routeRounds.get(server)!.push(new Map([...server.routes].map(([route, total]) => [route, total / count])));
      }
    }
    const [base, ...rest] = servers;
    const medians = servers.map((server) => `${server.name} ${middle(figures.get(server)!).toFixed(1)}`).join(', ');
    const differences = rest.map((server) => `${server.name} - baseline ${pairedMedianDifference(figures.get(server)!, figures.get(base!)!).toFixed(1)}`);
    if (rest.length === 2) differences.push(`${rest[1]!.name} - dist ${pairedMedianDifference(figures.get(rest[1]!)!, figures.get(rest[0]!)!).toFixed(1)}`);
    const unit = heap ? `KB allocated per ${signIn ? 'sign-in' : 'request'}` : signIn ? 'main-thread µs per sign-in' : 'µs per request';
    console.log(`${id}: ${unit}, medians: ${medians}; paired differences: ${differences.join(', ')}`);
    if (signIn && settings.byRoute) printRoutes(servers, routeRounds);
  }
  return 0;
}

exitWith(main);
