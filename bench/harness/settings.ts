/**
 * `npm run bench` options: flags first, then BENCH_* variables, then defaults. The smoke mode (CI)
 * changes only the defaults: 1 s per operation, one round, a short warm-up.
 */
import { parseArgs } from 'node:util';
import { OPERATION_IDS } from './operations.js';

export interface Settings {
  smoke: boolean;
  secondsPerOperation: number;
  warmupSeconds: number;
  rounds: number;
  /** Simulated users (closed loop) per operation. */
  concurrency: number;
  only: string[];
  out: string;
  /** Directory for --cpu-prof profiles of both servers, when asked for. */
  cpuProfileDir?: string;
  /**
   * The baseline sends the IdP's security headers (src/http/security-headers.ts) on every answer: a
   * diagnostic run, whose ratios leave out what those headers cost (a protection, never removed).
   */
  baselineHeaders: boolean;
  /** MONGODB_URI for our IdP (a throw-away database on that server); the baseline stays in memory. */
  mongodbUri?: string;
}

/**
 * Unmeasured seconds of load before each measurement. Every measurement has a fresh server, and a
 * fresh server needs ~4-7 s of load before its CPU per operation settles (V8 optimizing the hot
 * code: userinfo ~900 -> ~200 µs a request, silent SSO ~4 -> ~1.5 ms, on both servers, in 1 s
 * slices). With 1 s, the measured window was mostly that warm-up, whose length differs between
 * the two servers and from run to run; 5 s measures the running server that people use (issue 10).
 */
export const WARMUP_SECONDS = 5;

export const USAGE = `npm run bench -- [options]
  --seconds N       measured seconds per operation, server and round (BENCH_SECONDS, default 5; smoke 1)
  --rounds N        interleaved rounds (BENCH_ROUNDS, default 3; smoke 1)
  --warmup N        unmeasured seconds before each measurement (BENCH_WARMUP_SECONDS, default 5; smoke 0.2)
  --concurrency N   simulated users per operation (BENCH_CONCURRENCY, default 8)
  --only a,b        only these operations (BENCH_ONLY): ${OPERATION_IDS.join(', ')}
  --out FILE        where the JSON goes (BENCH_OUT, default bench/results/latest.json; smoke bench/results/smoke.json;
                    --baseline-headers bench/results/baseline-headers.json)
  --smoke           1 s per operation, one round (BENCH_SMOKE=1): proves the bench runs, never its speed
  --cpu-prof        V8 CPU profiles of both servers, in bench/results/profiles/<baseline|ours>/
  --baseline-headers the baseline sends our security headers too (BENCH_BASELINE_HEADERS=1): a diagnostic
                    run whose ratios leave out what those headers cost
MONGODB_URI set: our IdP runs on MongoDB (a throw-away database there, dropped at the end).`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
}

export function readSettings(argv: string[], env: Record<string, string | undefined>): Settings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      smoke: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      'baseline-headers': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const smoke = values.smoke === true || ['1', 'true'].includes(env.BENCH_SMOKE ?? '');
  const baselineHeaders = values['baseline-headers'] === true || ['1', 'true'].includes(env.BENCH_BASELINE_HEADERS ?? '');
  const only = (values.only ?? env.BENCH_ONLY ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = only.filter((id) => !OPERATION_IDS.includes(id));
  if (unknown.length) throw new Error(`unknown operation(s): ${unknown.join(', ')}; known: ${OPERATION_IDS.join(', ')}`);
  return {
    smoke,
    secondsPerOperation: positive('--seconds', values.seconds ?? env.BENCH_SECONDS, smoke ? 1 : 5),
    warmupSeconds: positive('--warmup', values.warmup ?? env.BENCH_WARMUP_SECONDS, smoke ? 0.2 : WARMUP_SECONDS),
    rounds: Math.round(positive('--rounds', values.rounds ?? env.BENCH_ROUNDS, smoke ? 1 : 3)),
    concurrency: Math.round(positive('--concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 8)),
    only,
    // A smoke or diagnostic run never overwrites the committed latest results.
    out: values.out ?? env.BENCH_OUT ?? (smoke ? 'bench/results/smoke.json' : baselineHeaders ? 'bench/results/baseline-headers.json' : 'bench/results/latest.json'),
    baselineHeaders,
    ...(values['cpu-prof'] ? { cpuProfileDir: 'bench/results/profiles' } : {}),
    ...(env.MONGODB_URI ? { mongodbUri: env.MONGODB_URI } : {}),
  };
}
