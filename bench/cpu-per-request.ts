/**
 * `npm run bench:cpu`: the server's own CPU per request (utime + stime from /proc, all threads),
 * ours against the baseline, in rounds that alternate which server goes first: for GETs that need
 * no token (--paths), and for the operations of `npm run bench` (--operations: userinfo with its
 * access token, introspection, refresh, ...), prepared as that bench prepares them. The full bench
 * moves 5-10% from run to run; this one is quiet to a few µs a request, the scale of what is left
 * to find on cheap requests (issue 10), and is how the µs figures in bench/README.md were
 * measured. A scratch build of `dist/` can be measured the same way.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { cpuPerCall, cpuTable, cpuUsage, readCpuSettings, repeat, type CpuSettings } from './harness/cpu-report.js';
import { environments } from './harness/environments.js';
import { subjectOf } from './harness/measure.js';
import { OPERATIONS } from './harness/operations.js';
import { cpuMs, eventLoopCpuMs } from './harness/proc-stats.js';
import { startServer, type RunningServer, type ServerName } from './harness/servers.js';
import { exitWith } from './harness/exit-with.js';

/**
 * Not here: discovery under sign-ins (its background load would be counted as its own), and the
 * code exchange, whose codes are made for a measured time (they live 60 s), not for a count.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const MEASURABLE = OPERATIONS.filter((spec) => spec.id !== 'discovery-under-sign-ins' && spec.id !== 'code-exchange');

/** The server's CPU so far, in ms: all its threads, or with --event-loop only the main one. */
const cpuReader = (pid: number, settings: CpuSettings) => () => (settings.eventLoop ? eventLoopCpuMs : cpuMs)(pid);

async function measurePath(server: RunningServer, path: string, settings: CpuSettings): Promise<number> {
  const pool = new Pool(server.issuer, { connections: settings.connections });
  const send = async (count: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: settings.connections }, async () => {
        while (sent < count) {
          sent += 1;
          const answer = await pool.request({ path, method: 'GET' });
          await answer.body.arrayBuffer();
          if (answer.statusCode !== 200) throw new Error(`GET ${path} answered ${answer.statusCode} at ${server.issuer}`);
        }
      }),
    );
    return count;
  };
  try {
    return await cpuPerCall(cpuReader(server.pid, settings), settings.requests, send);
  } finally {
    await pool.close();
  }
}

async function measureOperation(server: RunningServer, id: string, secret: string, settings: CpuSettings): Promise<number> {
  const spec = MEASURABLE.find((candidate) => candidate.id === id)!;
  const subject = await subjectOf(server, secret, settings.connections + 2);
  try {
    const skipped = spec.skip?.([subject]);
    if (skipped !== undefined) throw new Error(`${id}: ${skipped}`);
    const plan = await spec.prepare(subject, { concurrency: settings.connections, secondsPerOperation: 0, warmupSeconds: 0 });
    return await cpuPerCall(cpuReader(server.pid, settings), settings.requests, (count) => repeat(plan.operation, plan.workers, count));
  } finally {
    await subject.target.close();
  }
}

async function main(): Promise<number> {
  const ids = MEASURABLE.map((spec) => spec.id);
  const settings = readCpuSettings(process.argv.slice(2), ids);
  if (settings === 'help') {
    console.log(cpuUsage(ids));
    return 0;
  }
  if (settings.variant !== undefined && !existsSync(join(ROOT, settings.variant, 'idp.js'))) {
    throw new Error(`--variant ${settings.variant}: no idp.js there; make it with \`npm run build && cp -r dist ${settings.variant}\` (a directory inside this checkout)`);
  }
  const secret = randomBytes(32).toString('base64url');
  const env = environments({}, secret);
  const rows = [...settings.paths, ...settings.operations];
  const measured = new Map<string, Record<ServerName, number[]>>(rows.map((row) => [row, { baseline: [], ours: [] }]));
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const name of (round % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) as ServerName[]) {
      // With --variant the baseline's column is ours again, from the variant's build.
      const server = settings.variant !== undefined && name === 'baseline' ? await startServer('ours', { ...env.ours, BENCH_OUR_BUILD: settings.variant }) : await startServer(name, env[name]);
      try {
        for (const row of rows) {
          const us = row.startsWith('/') ? await measurePath(server, row, settings) : await measureOperation(server, row, secret, settings);
          measured.get(row)![name].push(us);
          process.stderr.write(`round ${round}/${settings.rounds} ${name} ${row}: ${us.toFixed(1)} µs\n`);
        }
      } finally {
        await server.stop();
      }
    }
  }
  console.log(cpuTable(rows, measured, settings.eventLoop, settings.variant === undefined ? 'baseline' : `ours from ${settings.variant}`));
  return 0;
}

exitWith(main);
