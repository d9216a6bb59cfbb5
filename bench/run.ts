/**
 * `npm run bench`: our IdP against a bare oidc-provider baseline (bench/baseline/), both started
 * here as child processes, measured in interleaved rounds on this machine. Prints a Markdown
 * table to stdout (progress goes to stderr) and writes the JSON to bench/results/latest.json.
 * Exits 1 when a server fails to start or dies, preparing an operation fails, or an operation
 * never succeeds on one of them; it never judges speed. bench/README.md explains every number.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { dirname } from 'node:path';
import { ARGON2_OPTIONS } from '../src/accounts/passwords.js';
import { CLIENT_SECRET_ENV, SEED_ENV } from './fixture.js';
import { environments } from './harness/environments.js';
import { argon2VerifyCpuMs } from './harness/hash-cost.js';
import { measureOnce, subjectOf } from './harness/measure.js';
import { OPERATIONS, type Subject } from './harness/operations.js';
import { cpuModel, rssMiB } from './harness/proc-stats.js';
import { compare, markdownTable, median, notes, summarize, type Measurement, type Row } from './harness/report.js';
import { RUNTIME, startServer, type RunningServer, type ServerName } from './harness/servers.js';
import { USAGE, readSettings, type Settings } from './harness/settings.js';
import { exitWith } from './harness/exit-with.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const NAMES: readonly ServerName[] = ['baseline', 'ours'];
const commandOf = (name: ServerName) => `node ${[...RUNTIME[name].nodeArgs, RUNTIME[name].entry].join(' ')}`;
/** What the JSON never records: the client secret (alone or in the seed) and a database URI (it may carry a password). */
const UNRECORDED_ENV: ReadonlySet<string> = new Set([CLIENT_SECRET_ENV, SEED_ENV, 'MONGODB_URI']);

async function main(): Promise<number> {
  const read = readSettings(process.argv.slice(2), process.env);
  if (read === 'help') {
    console.log(USAGE);
    return 0;
  }
  const settings: Settings = read;
  const secret = randomBytes(32).toString('base64url');
  const env = environments(settings, secret);
  const profileArgs = (name: ServerName, operation: string) =>
    settings.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}/${name}/${operation}`] : [];
  const starts: Record<ServerName, Start[]> = { baseline: [], ours: [] };
  const verifyCpuMs = await argon2VerifyCpuMs();

  /**
   * A fresh server for each measurement, stopped whatever happens: no row inherits the records,
   * heap or JIT state another row left behind, so each row's peak RSS is its own.
   */
  async function withServer<T>(name: ServerName, operation: string, use: (server: RunningServer, subject: Subject) => Promise<T>): Promise<T> {
    const server = await startServer(name, env[name], profileArgs(name, operation));
    starts[name].push({ startupMs: server.startupMs, rssAfterStartMiB: rssMiB(server.pid) });
    let subject: Subject | undefined;
    try {
      subject = await subjectOf(server, secret, settings.concurrency + 2);
      return await use(server, subject);
    } finally {
      await subject?.target.close();
      await server.stop();
    }
  }

  // A first look at both: which operations they offer (client_credentials), what a start costs.
  const firstLook: Subject[] = [];
  for (const name of NAMES) firstLook.push(await withServer(name, 'first-look', async (_server, subject) => subject));
  const specs = OPERATIONS.filter((spec) => settings.only.length === 0 || settings.only.includes(spec.id));
  const measured = new Map<string, Record<ServerName, Measurement[]>>();
  for (let round = 1; round <= settings.rounds; round += 1) {
    // Baseline first in odd rounds, ours first in even ones: neither always follows the other.
    const order = round % 2 === 1 ? NAMES : [...NAMES].reverse();
    for (const spec of specs) {
      if (spec.skip?.(firstLook)) continue;
      const entry = measured.get(spec.id) ?? { baseline: [], ours: [] };
      measured.set(spec.id, entry);
      for (const name of order) {
        const measurement = await withServer(name, spec.id, (server, subject) => measureOnce(server, subject, spec, settings, round));
        entry[name].push(measurement);
        log(`round ${round}/${settings.rounds} ${spec.id} ${name}: ${measurement.ok} ok in ${measurement.seconds.toFixed(1)} s, ${Object.values(measurement.errors).reduce((a, b) => a + b, 0)} errors`);
      }
    }
  }

  const rows: Row[] = specs.map((spec) => {
    const skipped = spec.skip?.(firstLook);
    const entry = measured.get(spec.id);
    if (skipped || !entry) return { id: spec.id, title: spec.title, skipped: skipped ?? 'not measured' };
    return compare(spec.id, spec.title, summarize(entry.baseline), summarize(entry.ours));
  });
  publish(settings, describeRun(settings, env, starts, verifyCpuMs), rows, measured);

  const neverSucceeded = rows.filter((row) => !row.skipped && (!row.baseline?.ok || !row.ours?.ok)).map((row) => row.id);
  if (neverSucceeded.length) {
    log(`These operations never succeeded on one of the servers: ${neverSucceeded.join(', ')}`);
    return 1;
  }
  return 0;
}

interface Start {
  startupMs: number;
  rssAfterStartMiB?: number;
}

/** Where and how the run happened: machine, versions, hash parameters, settings, servers. */
function describeRun(settings: Settings, env: Record<ServerName, Record<string, string>>, starts: Record<ServerName, Start[]>, verifyCpuMs: number) {
  const server = (name: ServerName) => ({
    command: commandOf(name),
    env: Object.entries(env[name]).filter(([key]) => !UNRECORDED_ENV.has(key)).map(([key, value]) => `${key}=${value}`),
    starts: starts[name].length,
    startupMsMedian: median(starts[name].map((start) => start.startupMs)),
    rssAfterStartMiBMedian: median(starts[name].flatMap((start) => (start.rssAfterStartMiB === undefined ? [] : [start.rssAfterStartMiB]))),
  });
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: { model: cpuModel(), cores: availableParallelism() },
    kernel: release(),
    hash: { algorithm: 'argon2id', memoryKiB: ARGON2_OPTIONS.memoryCost, timeCost: ARGON2_OPTIONS.timeCost, parallelism: ARGON2_OPTIONS.parallelism, verifyCpuMs },
    store: { ours: settings.mongodbUri ? 'mongodb' : 'memory', baseline: 'memory (oidc-provider MemoryAdapter)' },
    settings: { secondsPerOperation: settings.secondsPerOperation, warmupSeconds: settings.warmupSeconds, rounds: settings.rounds, concurrency: settings.concurrency, smoke: settings.smoke, baselineHeaders: settings.baselineHeaders },
    servers: { baseline: server('baseline'), ours: server('ours') },
  };
}

/** The table and its notes to stdout, everything to the JSON file. */
function publish(settings: Settings, run: ReturnType<typeof describeRun>, rows: Row[], measured: Map<string, Record<ServerName, Measurement[]>>): void {
  const { baseline, ours } = run.servers;
  const heading =
    `npm run bench, ${run.date.slice(0, 10)}: ${run.cpu.model}, ${run.cpu.cores} cores, Node ${run.node}; ` +
    `argon2id m=${run.hash.memoryKiB} KiB, t=${run.hash.timeCost}, p=${run.hash.parallelism}; ` +
    `${settings.secondsPerOperation} s per operation and server × ${settings.rounds} round(s), ${settings.concurrency} simulated users; our IdP on the ${run.store.ours} store.` +
    (settings.baselineHeaders ? ' The baseline sends our security headers too (--baseline-headers): these ratios leave out what they cost.' : '');
  const starting =
    `- Start (median of ${baseline.starts} / ${ours.starts}): baseline ${Math.round(baseline.startupMsMedian)} ms, RSS ${Math.round(baseline.rssAfterStartMiBMedian)} MiB; ` +
    `ours ${Math.round(ours.startupMsMedian)} ms, RSS ${Math.round(ours.rssAfterStartMiBMedian)} MiB (${(ours.rssAfterStartMiBMedian / baseline.rssAfterStartMiBMedian).toFixed(2)}x).`;
  console.log(`\n${heading}\n\n${markdownTable(rows)}\n\n${[starting, ...notes(rows, run.hash.verifyCpuMs)].join('\n')}`);
  const strip = (list: Measurement[]) => list.map(({ latenciesMs: _latencies, ...rest }) => rest);
  const operations = rows.map((row) => {
    const entry = measured.get(row.id);
    return { ...row, ...(entry ? { measurements: { baseline: strip(entry.baseline), ours: strip(entry.ours) } } : {}) };
  });
  mkdirSync(dirname(settings.out), { recursive: true });
  writeFileSync(settings.out, `${JSON.stringify({ ...run, operations }, null, 2)}\n`);
  log(`\nJSON: ${settings.out}`);
}

exitWith(main, { stack: true });
