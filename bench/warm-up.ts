/**
 * `npm run bench:warm-up`: how long a fresh server needs before its cost per operation settles.
 * Each server is started fresh (as `npm run bench` starts one for every measurement) and measured
 * in 1 s slices from its first request: operations a second and the server's CPU per operation in
 * each slice, for the baseline and ours, alternately. Each slice is prepared as `npm run bench`
 * prepares a measurement (people signed in, codes made: unmeasured, between the slices). What
 * `npm run bench`'s default warm-up (WARMUP_SECONDS in bench/harness/settings.ts) is chosen from
 * (issue 10).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { environments } from './harness/environments.js';
import { measureOnce, subjectOf } from './harness/measure.js';
import { OPERATIONS, type BenchSettings } from './harness/operations.js';
import { startServer, type ServerName } from './harness/servers.js';
import { exitWith } from './harness/exit-with.js';

const USAGE = `npm run bench:warm-up -- [options]
  --operations a,b  operations of npm run bench (default userinfo,silent-sso)
  --slices N        1 s slices measured from each server's start (default 12)
  --starts N        fresh starts of each server, alternating baseline and ours (default 2)
  --concurrency N   simulated users (default 8, as npm run bench)`;

/** Not here: discovery under sign-ins, whose background load is its own measurement. */
const MEASURABLE = OPERATIONS.filter((spec) => spec.id !== 'discovery-under-sign-ins');

interface WarmUpSettings {
  operations: string[];
  slices: number;
  starts: number;
  concurrency: number;
}

function readWarmUpSettings(argv: string[]): WarmUpSettings | 'help' {
  const { values } = parseArgs({ args: argv, options: { operations: { type: 'string' }, slices: { type: 'string' }, starts: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return 'help';
  const whole = (flag: string, value: string | undefined, fallback: number) => {
    const number = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} must be a whole number of at least 1, not ${value}`);
    return number;
  };
  const operations = (values.operations ?? 'userinfo,silent-sso').split(',').filter(Boolean);
  const unknown = operations.filter((id) => !MEASURABLE.some((spec) => spec.id === id));
  if (unknown.length > 0) throw new Error(`unknown operation(s): ${unknown.join(', ')} (known: ${MEASURABLE.map((spec) => spec.id).join(', ')})`);
  return { operations, slices: whole('--slices', values.slices, 12), starts: whole('--starts', values.starts, 2), concurrency: whole('--concurrency', values.concurrency, 8) };
}

async function main(): Promise<number> {
  const settings = readWarmUpSettings(process.argv.slice(2));
  if (settings === 'help') {
    console.log(USAGE);
    return 0;
  }
  const secret = randomBytes(32).toString('base64url');
  const env = environments({}, secret);
  const slice: BenchSettings = { concurrency: settings.concurrency, secondsPerOperation: 1, warmupSeconds: 0 };
  console.log(`Node ${process.version}; each cell: operations a second / the server's CPU µs per operation, in one 1 s slice of load, slices from the server's start`);
  for (const id of settings.operations) {
    const spec = MEASURABLE.find((candidate) => candidate.id === id)!;
    console.log(`\n${spec.title}\n`);
    console.log(`| start | ${Array.from({ length: settings.slices }, (_, at) => `${at + 1} s`).join(' | ')} |`);
    console.log(`| --- |${' ---: |'.repeat(settings.slices)}`);
    for (let start = 0; start < settings.starts * 2; start += 1) {
      const name: ServerName = start % 2 === 0 ? 'baseline' : 'ours';
      const server = await startServer(name, env[name]);
      let subject: Awaited<ReturnType<typeof subjectOf>> | undefined;
      try {
        subject = await subjectOf(server, secret, settings.concurrency + 2);
        const skipped = spec.skip?.([subject]);
        if (skipped !== undefined) {
          console.log(`| ${name} | ${skipped} |`);
          continue;
        }
        const cells: string[] = [];
        let succeeded = 0;
        const failures: Record<string, number> = {};
        for (let at = 0; at < settings.slices; at += 1) {
          const measured = await measureOnce(server, subject, spec, slice, at + 1);
          succeeded += measured.ok;
          for (const [error, count] of Object.entries(measured.errors)) failures[error] = (failures[error] ?? 0) + count;
          const perOperation = measured.cpuMs === undefined || measured.ok === 0 ? '-' : ((measured.cpuMs * 1000) / measured.ok).toFixed(0);
          cells.push(`${(measured.ok / measured.seconds).toFixed(0)} / ${perOperation}`);
        }
        console.log(`| ${name} | ${cells.join(' | ')} |`);
        // As npm run bench: an operation that never succeeds is a broken bench, not a slow server.
        if (succeeded === 0) throw new Error(`${id} never succeeded on the ${name} server: ${JSON.stringify(failures)}`);
      } finally {
        await subject?.target.close();
        await server.stop();
      }
    }
  }
  return 0;
}

exitWith(main);
