/**
 * Runs a bounded, seeded stream of fuzzed requests against a stack and checks every answer.
 * Bounded in count (`requests`) and in time (`budgetMs`: no new request starts after it); each
 * request has `timeoutMs` to be answered, and a request that isn't is a hang, a failure.
 */
import { describeRequest, serialize, type FuzzRequest } from './fuzz-request.js';
import { violations } from './invariants.js';
import { createRandom, requestSeed, type Random } from './random.js';
import { header, sendBytes, type FuzzReply } from './send.js';
import type { Surface } from './build.js';
import type { FuzzWorld } from './world.js';

export interface FuzzOptions {
  seed: number;
  requests: number;
  concurrency: number;
  timeoutMs: number;
  budgetMs: number;
  /** Replay just these request numbers (from a report) instead of the whole run. */
  only?: number[];
}

export interface SurfaceTally {
  sent: number;
  statuses: Map<number, number>;
}

export interface FuzzResult {
  sent: number;
  /** Requests never started because the time budget ran out. */
  skipped: number;
  ms: number;
  slowestMs: number;
  tally: Map<string, SurfaceTally>;
  /** One line per kind of failure (surface and broken rule), with its first example in full. */
  failures: string[];
}

function pickSurface(random: Random, surfaces: Surface[]): Surface {
  const total = surfaces.reduce((sum, surface) => sum + surface.weight, 0);
  let roll = random.next() * total;
  for (const surface of surfaces) {
    roll -= surface.weight;
    if (roll < 0) return surface;
  }
  return surfaces[surfaces.length - 1]!;
}

function describeReply(reply: FuzzReply): string {
  const body = reply.body.length > 400 ? `${reply.body.slice(0, 400)}...` : reply.body;
  return `${reply.outcome} ${reply.status} ${header(reply, 'content-type') ?? '-'} after ${Math.round(reply.ms)} ms: ${JSON.stringify(body)}`;
}

export async function runFuzz(world: FuzzWorld, surfaces: Surface[], options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const numbers = options.only ?? Array.from({ length: options.requests }, (_v, n) => n);
  const tally = new Map<string, SurfaceTally>();
  const kinds = new Map<string, { count: number; example: string }>();
  let next = 0;
  let sent = 0;
  let slowestMs = 0;

  const fail = (kind: string, example: string) => {
    const known = kinds.get(kind);
    if (known) known.count += 1;
    else kinds.set(kind, { count: 1, example });
  };

  async function one(index: number) {
    const random = createRandom(requestSeed(options.seed, index));
    const surface = pickSurface(random, surfaces);
    let request: FuzzRequest;
    try {
      request = await surface.make(random, world);
    } catch (error) {
      // Setup is ordinary traffic (a login page, a site's sign-in start): failing it is a finding too.
      fail(`${surface.name}: setup failed: ${(error as Error).message}`, `#${index} while preparing a request for ${surface.name}`);
      return;
    }
    const reply = await sendBytes(world.endpoint(request.server).port, serialize(request), options.timeoutMs, request.method === 'HEAD');
    sent += 1;
    slowestMs = Math.max(slowestMs, reply.ms);
    const counts = tally.get(request.surface) ?? { sent: 0, statuses: new Map<number, number>() };
    counts.sent += 1;
    counts.statuses.set(reply.status, (counts.statuses.get(reply.status) ?? 0) + 1);
    tally.set(request.surface, counts);
    for (const broken of violations(request, reply, options.timeoutMs)) {
      fail(`${request.surface}: ${broken}`, `${describeRequest(request, index)}\n    -> ${describeReply(reply)}`);
    }
    try {
      request.after?.(reply);
    } catch {
      // What the fuzzer learns is best effort; the answer was already checked.
    }
  }

  async function worker() {
    while (next < numbers.length && performance.now() - started < options.budgetMs) {
      const index = numbers[next]!;
      next += 1;
      await one(index);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const failures = [...kinds.entries()].map(([kind, { count, example }]) => `${kind} (${count}x), first:\n  ${example}`);
  return { sent, skipped: numbers.length - next, ms: performance.now() - started, slowestMs, tally, failures };
}

/** The report's table: requests and statuses per surface. */
export function describeTally(tally: Map<string, SurfaceTally>): string {
  return [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([surface, { sent, statuses }]) => `  ${surface.padEnd(44)} ${String(sent).padStart(5)}  ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}:${count}`).join(' ')}`)
    .join('\n');
}
