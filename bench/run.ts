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
import { CLIENT_SECRET_ENV } from './fixture.js';
import { argon2VerifyCpuMs } from './harness/hash-cost.js';
import { measureOnce, subjectOf } from './harness/measure.js';
import { OPERATIONS, type Subject } from './harness/operations.js';
import { cpuModel, peakRssMiB, rssMiB } from './harness/proc-stats.js';
import { compare, markdownTable, notes, summarize, type Measurement, type Row } from './harness/report.js';
import { startServer, type RunningServer, type ServerName } from './harness/servers.js';
import { USAGE, readSettings, type Settings } from './harness/settings.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The same database server, a database of the bench's own: the URI's database name is replaced. */
function throwawayDatabase(uri: string): string {
  const name = `idp_bench_${randomBytes(6).toString('hex')}`;
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${name}`);
}

/**
 * How each server runs. Ours: development mode, because production refuses the in-memory store and
 * an http issuer; TRUST_PROXY so that X-Forwarded-For gives each simulated person their own address
 * (every per-address limit stays at its default). Log level is production's default (info),
 * written to /dev/null. Nothing is turned off and the hash cost is the shipped one.
 */
function environments(settings: Settings, secret: string): Record<ServerName, Record<string, string>> {
  return {
    baseline: { NODE_ENV: 'development', [CLIENT_SECRET_ENV]: secret },
    ours: {
      NODE_ENV: 'development',
      TRUST_PROXY: 'true',
      [CLIENT_SECRET_ENV]: secret,
      ...(settings.mongodbUri ? { MONGODB_URI: throwawayDatabase(settings.mongodbUri) } : {}),
    },
  };
}

async function main(): Promise<number> {
  const settings = readSettings(process.argv.slice(2), process.env);
  if (settings === 'help') {
    console.log(USAGE);
    return 0;
  }
  const secret = randomBytes(32).toString('base64url');
  const env = environments(settings, secret);
  const profileArgs = (name: ServerName) => (settings.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}/${name}`] : []);
  const servers: RunningServer[] = [];
  const subjects: Subject[] = [];
  const verifyCpuMs = await argon2VerifyCpuMs();
  try {
    for (const name of ['baseline', 'ours'] as const) {
      const server = await startServer(name, env[name], profileArgs(name));
      servers.push(server);
      log(`${name}: pid ${server.pid}, ${server.issuer}, started in ${Math.round(server.startupMs)} ms, RSS ${Math.round(rssMiB(server.pid) ?? 0)} MiB`);
    }
    const afterStart = servers.map((server) => rssMiB(server.pid));
    for (const server of servers) subjects.push(await subjectOf(server, secret, settings.concurrency + 2));

    const specs = OPERATIONS.filter((spec) => settings.only.length === 0 || settings.only.includes(spec.id));
    const measured = new Map<string, Record<ServerName, Measurement[]>>();
    for (let round = 1; round <= settings.rounds; round += 1) {
      // A B in odd rounds, B A in even ones, so neither always goes first after the other's load.
      const order = round % 2 === 1 ? [0, 1] : [1, 0];
      for (const spec of specs) {
        if (spec.skip?.(subjects)) continue;
        const entry = measured.get(spec.id) ?? { baseline: [], ours: [] };
        measured.set(spec.id, entry);
        for (const index of order) {
          const measurement = await measureOnce(servers[index]!, subjects[index]!, spec, settings, round);
          entry[servers[index]!.name].push(measurement);
          log(`round ${round}/${settings.rounds} ${spec.id} ${servers[index]!.name}: ${measurement.ok} ok in ${measurement.seconds.toFixed(1)} s, ${Object.values(measurement.errors).reduce((a, b) => a + b, 0)} errors`);
        }
      }
    }

    const rows: Row[] = specs.map((spec) => {
      const skipped = spec.skip?.(subjects);
      const entry = measured.get(spec.id);
      if (skipped || !entry) return { id: spec.id, title: spec.title, skipped: skipped ?? 'not measured' };
      return compare(spec.id, spec.title, summarize(entry.baseline), summarize(entry.ours));
    });
    const overallPeak = servers.map((server) => peakRssMiB(server.pid));
    const context = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: { model: cpuModel(), cores: availableParallelism() },
      kernel: release(),
      hash: { algorithm: 'argon2id', memoryKiB: ARGON2_OPTIONS.memoryCost, timeCost: ARGON2_OPTIONS.timeCost, parallelism: ARGON2_OPTIONS.parallelism, verifyCpuMs },
      store: { ours: settings.mongodbUri ? 'mongodb' : 'memory', baseline: 'memory (oidc-provider MemoryAdapter)' },
      settings: { secondsPerOperation: settings.secondsPerOperation, warmupSeconds: settings.warmupSeconds, rounds: settings.rounds, concurrency: settings.concurrency, smoke: settings.smoke },
      servers: Object.fromEntries(
        servers.map((server, i) => [
          server.name,
          { command: server.command, env: Object.keys(env[server.name]).filter((k) => k !== CLIENT_SECRET_ENV && k !== 'MONGODB_URI').map((k) => `${k}=${env[server.name][k]}`), startupMs: Math.round(server.startupMs), rssAfterStartMiB: afterStart[i], peakRssSinceLastResetMiB: overallPeak[i] },
        ]),
      ),
    };
    const heading = `npm run bench, ${context.date.slice(0, 10)}: ${context.cpu.model}, ${context.cpu.cores} cores, Node ${context.node}; argon2id m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}; ${settings.secondsPerOperation} s per operation and server × ${settings.rounds} round(s), ${settings.concurrency} simulated users; our IdP on ${context.store.ours} store.`;
    console.log(`\n${heading}\n\n${markdownTable(rows)}\n\n${notes(rows, verifyCpuMs).join('\n')}`);
    const operations = rows.map((row) => ({ ...row, measurements: measured.get(row.id) && stripLatencies(measured.get(row.id)!) }));
    mkdirSync(dirname(settings.out), { recursive: true });
    writeFileSync(settings.out, `${JSON.stringify({ ...context, operations }, null, 2)}\n`);
    log(`\nJSON: ${settings.out}`);

    const neverSucceeded = rows.filter((row) => !row.skipped && (!row.baseline?.ok || !row.ours?.ok)).map((row) => row.id);
    if (neverSucceeded.length) {
      log(`These operations never succeeded on one of the servers: ${neverSucceeded.join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.all(subjects.map((subject) => subject.target.close()));
    await Promise.all(servers.map((server) => server.stop()));
  }
}

function stripLatencies(entry: Record<ServerName, Measurement[]>) {
  const strip = (list: Measurement[]) => list.map(({ latenciesMs: _latencies, ...rest }) => rest);
  return { baseline: strip(entry.baseline), ours: strip(entry.ours) };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
