/**
 * Settings and figures of `npm run bench:ab` (bench/in-process-ab.ts): rounds of several servers in
 * one process, read as each one's median and as its median difference from another, round by round.
 */
import { parseArgs } from 'node:util';
import { list, whole } from './cpu-report.js';

export const AB_OPERATIONS = ['userinfo', 'introspection', 'sign-in'] as const;
/** What runs unless --operations says otherwise: sign-ins are slow (a real argon2id check each), so asked for by name. */
export const AB_DEFAULT_OPERATIONS: readonly AbOperation[] = ['userinfo', 'introspection'];
export type AbOperation = (typeof AB_OPERATIONS)[number];

export interface AbSettings {
  /** Another build of the IdP (a copy of dist/ inside this checkout), measured beside dist/. */
  variant?: string;
  operations: AbOperation[];
  requests: number;
  /** Full sign-ins per server and round (the sign-in operation). */
  signIns: number;
  rounds: number;
  /** Requests in flight at once, per server. */
  concurrency: number;
  /**
   * Sign-ins one at a time, each request's event-loop CPU added to its route: with one request in
   * flight, the main thread's CPU from a request's arrival to its answer is that request's alone.
   */
  byRoute: boolean;
  /** Read KB allocated per request or sign-in instead of CPU. */
  allocation: boolean;
}

export const abUsage = `npm run bench:ab -- [options]
  --variant <dir>       a copy of another build's dist/, inside this checkout (so it finds
                        node_modules), e.g. .ab/before: measured beside dist/, round by round
  --operations <id,id>  ${AB_OPERATIONS.join(', ')} (default ${AB_DEFAULT_OPERATIONS.join(', ')});
                        sign-in: full sign-ins over loopback HTTP (real argon2id), read as
                        the event loop's CPU per sign-in, the simulated browsers' share included
  --requests <n>        userinfo or introspection requests per server and round (default 20000)
  --sign-ins <n>        sign-ins per server and round (default 200)
  --rounds <n>          rounds, each server once a round in alternating order (default 8)
  --concurrency <n>     requests in flight at once (default 8)
  --by-route            with sign-in: one sign-in at a time, and the event loop's CPU of each
                        of its requests, by route (the median round's mean per sign-in)
  --allocation          KB allocated per request or sign-in (V8's sampling heap profiler)
                        instead of CPU: the same from run to run, whatever else the machine does`;

export function readAbSettings(argv: string[]): AbSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      variant: { type: 'string' },
      operations: { type: 'string' },
      requests: { type: 'string' },
      'sign-ins': { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      'by-route': { type: 'boolean' },
      allocation: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const operations = list(values.operations ?? AB_DEFAULT_OPERATIONS.join(','));
  const unknown = operations.filter((id) => !(AB_OPERATIONS as readonly string[]).includes(id));
  if (unknown.length > 0 || operations.length === 0) throw new Error(`--operations takes ${AB_OPERATIONS.join(', ')} (got "${values.operations}")`);
  const variant = values.variant?.trim();
  if (variant !== undefined && (variant === '' || variant.startsWith('/') || variant.split(/[\\/]/).includes('..'))) {
    throw new Error(`--variant is a directory inside this checkout, such as .ab/before (got "${values.variant}")`);
  }
  const byRoute = values['by-route'] === true;
  if (byRoute && !operations.includes('sign-in')) throw new Error('--by-route measures sign-ins: give --operations sign-in');
  if (byRoute && values.allocation) throw new Error('--by-route reads CPU: leave out --allocation');
  if (byRoute && values.concurrency !== undefined && values.concurrency !== '1') throw new Error('--by-route runs one sign-in at a time: leave out --concurrency');
  return {
    ...(variant ? { variant } : {}),
    operations: operations as AbOperation[],
    requests: whole('requests', values.requests, 20_000),
    signIns: whole('sign-ins', values['sign-ins'], 200),
    rounds: whole('rounds', values.rounds, 8),
    concurrency: byRoute ? 1 : whole('concurrency', values.concurrency, 8),
    byRoute,
    allocation: values.allocation === true,
  };
}

/** A request's route, its ids taken out (--by-route): `POST /interaction/:uid/login`, `GET /auth/:uid`. */
export function routeOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? '').split('?')[0]!.replace(/^\/interaction\/[^/]+/, '/interaction/:uid').replace(/^\/auth\/[^/]+/, '/auth/:uid');
  return `${method ?? '?'} ${path}`;
}

/** The order of the servers in `round` (1-based): as given in odd rounds, reversed in even ones. */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  return round % 2 ? [...servers] : [...servers].reverse();
}

/** The middle value, or the mean of the two middle ones: few rounds, so no rank may lean low. */
export function middle(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/** The middle of `a - b`, round by round: what a change costs, with the drift both shared cancelled. */
export function pairedMedianDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error('paired figures need as many rounds on each side, and at least one');
  return middle(a.map((value, round) => value - b[round]!));
}
