/**
 * The settings and the table of `npm run bench:cpu` (bench/cpu-per-request.ts).
 */
import { parseArgs } from 'node:util';
import { median } from './report.js';
import type { ServerName } from './servers.js';

export interface CpuSettings {
  paths: string[];
  requests: number;
  rounds: number;
  connections: number;
}

export const CPU_USAGE = `npm run bench:cpu -- [options]
  --paths <p,p>        GET paths, answered 200 by both servers (default /jwks,/.well-known/openid-configuration)
  --requests <n>       measured requests per path, server and round, after a quarter as many to warm up (default 30000)
  --rounds <n>         rounds; odd ones start the baseline first, even ones ours (default 3)
  --connections <n>    keep-alive connections, one request in flight on each (default 8)`;

export function readCpuSettings(argv: string[]): CpuSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: { paths: { type: 'string' }, requests: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  const whole = (name: string, raw: string | undefined, fallback: number) => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number (got "${raw}")`);
    return value;
  };
  const paths = (values.paths ?? '/jwks,/.well-known/openid-configuration').split(',').map((path) => path.trim()).filter(Boolean);
  const notAPath = paths.find((path) => !path.startsWith('/'));
  if (notAPath !== undefined || paths.length === 0) throw new Error(`--paths must list paths starting with / (got "${values.paths}")`);
  return { paths, requests: whole('requests', values.requests, 30_000), rounds: whole('rounds', values.rounds, 3), connections: whole('connections', values.connections, 8) };
}

/** One line per path: each server's µs per request in every round, the medians, and ours / baseline. */
export function cpuTable(paths: readonly string[], measured: ReadonlyMap<string, Record<ServerName, number[]>>): string {
  const rows = paths.map((path) => {
    const { baseline, ours } = measured.get(path) ?? { baseline: [], ours: [] };
    const [b, o] = [median(baseline), median(ours)];
    const rounds = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ');
    return `| ${path} | ${rounds(baseline)} | ${rounds(ours)} | ${b.toFixed(1)} | ${o.toFixed(1)} | ${(o / b).toFixed(2)}x |`;
  });
  return ['| path | baseline µs, each round | ours µs, each round | baseline median | ours median | CPU ratio |', '| --- | --- | --- | ---: | ---: | ---: |', ...rows].join('\n');
}
