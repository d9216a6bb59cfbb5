/**
 * The settings and the table of `npm run bench:cpu` (bench/cpu-per-request.ts).
 */
import { parseArgs } from 'node:util';
import type { Operation } from './load.js';
import { median } from './report.js';
import type { ServerName } from './servers.js';

export interface CpuSettings {
  paths: string[];
  /** Rows of `npm run bench` (bench/harness/operations.ts) whose operation is repeated and measured. */
  operations: string[];
  requests: number;
  rounds: number;
  connections: number;
  /** Only the event loop's thread (the server's JavaScript), not libuv's pool or V8's helpers. */
  eventLoop: boolean;
  /**
   * A copy of a build of ours (a directory like dist/, inside this checkout) that takes the
   * baseline's place: the table then compares two builds of ours over real sockets.
   */
  variant?: string;
}

const DEFAULT_PATHS = '/jwks,/.well-known/openid-configuration';

export const cpuUsage = (operations: readonly string[]) => `npm run bench:cpu -- [options]
  --paths <p,p>         GET paths, answered 200 by both servers (default ${DEFAULT_PATHS},
                        none when --operations is given)
  --operations <id,id>  rows of \`npm run bench\` whose operation is repeated, after its preparation
                        (unmeasured): ${operations.join(', ')}
  --requests <n>        measured requests (or operations) per row, server and round, after a quarter
                        as many to warm up (default 30000)
  --rounds <n>          rounds; odd ones start the baseline first, even ones ours (default 3)
  --connections <n>     keep-alive connections, one request in flight on each (default 8)
  --event-loop          count only the event loop's thread (our code and the engine's), not libuv's
                        pool (argon2id, WebCrypto) or V8's helpers: for sign-in, without the hash
  --variant <dir>       in the baseline's place, ours built as the copy in <dir> (inside this
                        checkout, e.g. .ab/before from \`cp -r dist .ab/before\`): two builds of ours`;

/** Each item once: a row named twice would be measured twice a round, and its median skewed. */
export const list = (raw: string) => [...new Set(raw.split(',').map((item) => item.trim()).filter(Boolean))];

/** A count option's value, or `fallback` when it is not given. */
export function whole(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number (got "${raw}")`);
  return value;
}

/** `operations`: the ids --operations may name. */
export function readCpuSettings(argv: string[], operations: readonly string[]): CpuSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      paths: { type: 'string' },
      operations: { type: 'string' },
      requests: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'event-loop': { type: 'boolean' },
      variant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const chosen = values.operations === undefined ? [] : list(values.operations);
  const unknown = chosen.find((id) => !operations.includes(id));
  if (unknown !== undefined || (values.operations !== undefined && chosen.length === 0)) {
    throw new Error(`--operations must list operations of npm run bench (${operations.join(', ')}) (got "${values.operations}")`);
  }
  const paths = list(values.paths ?? (chosen.length > 0 ? '' : DEFAULT_PATHS));
  const notAPath = paths.find((path) => !path.startsWith('/'));
  if (notAPath !== undefined || (values.paths !== undefined && paths.length === 0)) throw new Error(`--paths must list paths starting with / (got "${values.paths}")`);
  return {
    paths,
    operations: chosen,
    requests: whole('requests', values.requests, 30_000),
    rounds: whole('rounds', values.rounds, 3),
    connections: whole('connections', values.connections, 8),
    eventLoop: values['event-loop'] ?? false,
    ...(values.variant === undefined ? {} : { variant: values.variant }),
  };
}

/** One line per row (a path or an operation): each server's µs in every round, the medians, and ours / baseline. */
export function cpuTable(rows: readonly string[], measured: ReadonlyMap<string, Record<ServerName, number[]>>, eventLoop = false, baselineName = 'baseline'): string {
  const what = eventLoop ? 'event-loop µs' : 'µs';
  const lines = rows.map((row) => {
    const { baseline, ours } = measured.get(row) ?? { baseline: [], ours: [] };
    const [b, o] = [median(baseline), median(ours)];
    const rounds = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ');
    return `| ${row} | ${rounds(baseline)} | ${rounds(ours)} | ${b.toFixed(1)} | ${o.toFixed(1)} | ${(o / b).toFixed(2)}x |`;
  });
  return [`| path or operation | ${baselineName} ${what}, each round | ours ${what}, each round | ${baselineName} median | ours median | CPU ratio |`, '| --- | --- | --- | ---: | ---: | ---: |', ...lines].join('\n');
}

/**
 * The server's CPU in µs per call that `send(count)` completed, after a quarter as many calls to
 * warm up. `readMs`: the server's CPU so far in ms (from /proc), undefined where it can't be read.
 */
export async function cpuPerCall(readMs: () => number | undefined, requests: number, send: (count: number) => Promise<number>): Promise<number> {
  await send(Math.ceil(requests / 4));
  const before = readMs();
  const done = await send(requests);
  const after = readMs();
  if (before === undefined || after === undefined) throw new Error("no /proc here: a server's CPU cannot be read");
  if (done === 0) throw new Error('no operation completed');
  return ((after - before) * 1000) / done;
}

/** `workers` simulated users repeat `operation` until `count` have been started; how many completed. */
export async function repeat(operation: Operation, workers: number, count: number): Promise<number> {
  let started = 0;
  let completed = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_v, worker) => {
      while (started < count) {
        started += 1;
        if ((await operation(worker)) === 'exhausted') return;
        completed += 1;
      }
    }),
  );
  return completed;
}
