/**
 * `npm run bench:cpu`: the server's own CPU per request (utime + stime from /proc, all threads),
 * for GETs that need no token, ours against the baseline, in rounds that alternate which server
 * goes first. The full bench moves 5-10% from run to run; this one is quiet to a few µs a request,
 * the scale of what is left to find on cheap requests (issue 10), and is how the µs figures in
 * bench/README.md were measured. A scratch build of `dist/` can be measured the same way.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { CPU_USAGE, cpuTable, readCpuSettings, type CpuSettings } from './harness/cpu-report.js';
import { environments } from './harness/environments.js';
import { cpuMs } from './harness/proc-stats.js';
import { startServer, type ServerName } from './harness/servers.js';

async function measure(issuer: string, pid: number, path: string, settings: CpuSettings): Promise<number> {
  const pool = new Pool(issuer, { connections: settings.connections });
  const send = async (count: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: settings.connections }, async () => {
        while (sent < count) {
          sent += 1;
          const answer = await pool.request({ path, method: 'GET' });
          await answer.body.arrayBuffer();
          if (answer.statusCode !== 200) throw new Error(`GET ${path} answered ${answer.statusCode} at ${issuer}`);
        }
      }),
    );
  };
  try {
    await send(Math.ceil(settings.requests / 4));
    const before = cpuMs(pid);
    await send(settings.requests);
    const after = cpuMs(pid);
    if (before === undefined || after === undefined) throw new Error('no /proc here: a server\'s CPU cannot be read');
    return ((after - before) * 1000) / settings.requests;
  } finally {
    await pool.close();
  }
}

async function main(): Promise<number> {
  const settings = readCpuSettings(process.argv.slice(2));
  if (settings === 'help') {
    console.log(CPU_USAGE);
    return 0;
  }
  const env = environments({}, randomBytes(32).toString('base64url'));
  const measured = new Map<string, Record<ServerName, number[]>>(settings.paths.map((path) => [path, { baseline: [], ours: [] }]));
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const name of (round % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) as ServerName[]) {
      const server = await startServer(name, env[name]);
      try {
        for (const path of settings.paths) {
          const us = await measure(server.issuer, server.pid, path, settings);
          measured.get(path)![name].push(us);
          process.stderr.write(`round ${round}/${settings.rounds} ${name} ${path}: ${us.toFixed(1)} µs\n`);
        }
      } finally {
        await server.stop();
      }
    }
  }
  console.log(cpuTable(settings.paths, measured));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
