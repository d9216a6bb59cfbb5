/**
 * Closed-loop load: `workers` simulated users each run one operation after another, as fast as
 * the server answers (a fixed number of users, not a fixed arrival rate, so an overloaded server
 * is measured as slower, not as a pile-up in the load generator). After a warm-up the measured
 * window opens; an operation counts when it starts and ends inside the window. Its latency is
 * the whole operation (for a flow: every request of it, as the person waits for all of them).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Tally {
  ok: number;
  errors: Record<string, number>;
}

export interface Window extends Tally {
  /** Length of the measured window. */
  seconds: number;
  latenciesMs: number[];
  /** Operations of the background load in the same window (see LoadOptions.background). */
  background?: Tally;
}

export type Operation = (worker: number) => Promise<void | 'exhausted'>;

export interface LoadOptions {
  workers: number;
  warmupSeconds: number;
  seconds: number;
  /** Returns 'exhausted' when a prepared pool (authorization codes) has run out: that worker stops. */
  operation: Operation;
  /** Load that runs alongside, counted apart (sign-ins while discovery's latency is measured). */
  background?: { workers: number; operation: Operation };
  /** Called as the measured window opens and as it closes: CPU and memory snapshots. */
  onOpen?(): void;
  onClose?(): void;
}

/** The key an error is counted under: what failed, without tokens or addresses in it. */
function errorKey(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return (typeof code === 'string' ? `${code}: ${message}` : message).slice(0, 100);
}

function count(tally: Tally, error: unknown): void {
  const key = errorKey(error);
  tally.errors[key] = (tally.errors[key] ?? 0) + 1;
}

export async function runLoad(options: LoadOptions): Promise<Window> {
  const window: Window = { ok: 0, errors: {}, seconds: 0, latenciesMs: [] };
  let openedAt = Number.POSITIVE_INFINITY;
  let closedAt = Number.POSITIVE_INFINITY;
  let closing = false;
  const closed = () => closing || performance.now() >= closedAt;
  const close = () => {
    if (closing) return;
    closing = true;
    closedAt = Math.min(closedAt, performance.now());
    options.onClose?.();
  };

  const worker = async (index: number, operation: Operation, tally: Tally, latencies?: number[]) => {
    while (!closed()) {
      const started = performance.now();
      let outcome: void | 'exhausted' | Error;
      try {
        outcome = await operation(index);
      } catch (error) {
        outcome = error instanceof Error ? error : new Error(String(error));
      }
      if (outcome === 'exhausted') return;
      const ended = performance.now();
      if (started < openedAt || ended > closedAt) continue;
      if (outcome instanceof Error) count(tally, outcome);
      else {
        tally.ok += 1;
        latencies?.push(ended - started);
      }
    }
  };

  const background = options.background ? { ok: 0, errors: {} } : undefined;
  const running = [
    ...Array.from({ length: options.workers }, (_v, i) => worker(i, options.operation, window, window.latenciesMs)),
    ...(background ? Array.from({ length: options.background!.workers }, (_v, i) => worker(i, options.background!.operation, background)) : []),
  ];
  const foreground = Promise.all(running.slice(0, options.workers));
  await Promise.race([sleep(options.warmupSeconds * 1000), foreground]);
  openedAt = performance.now();
  closedAt = openedAt + options.seconds * 1000;
  options.onOpen?.();
  // Closes on time, or earlier when every foreground worker has run out of prepared work.
  await Promise.race([sleep(options.seconds * 1000), foreground]);
  close();
  await Promise.all(running);
  window.seconds = (closedAt - openedAt) / 1000;
  if (background) window.background = background;
  return window;
}
