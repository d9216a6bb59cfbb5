/**
 * From measurements to numbers people read: one summary per operation and server over all rounds,
 * our ratio to the baseline, a Markdown table for stdout and the README, and the JSON document.
 */
import type { Tally, Window } from './load.js';

export interface Measurement extends Omit<Window, 'latenciesMs'> {
  round: number;
  latenciesMs: number[];
  /** Server CPU (all threads) used in the window; undefined without /proc. */
  cpuMs?: number;
  /** Of that, the main thread's (the event loop's). */
  eventLoopCpuMs?: number;
  /** The server's peak RSS in the window. */
  peakRssMiB?: number;
  /** The share of the whole machine's CPU time (every core) left idle in the window. */
  machineIdleShare?: number;
}

export interface Summary {
  rounds: number;
  /** Median over rounds of successful operations per second. */
  opsPerSecond: number;
  opsPerSecondByRound: number[];
  /** Latency percentiles over every successful operation of every round. */
  p50Ms: number;
  p99Ms: number;
  ok: number;
  errors: Record<string, number>;
  /** Server CPU of all rounds divided by their successful operations (none with a background load). */
  cpuMsPerOp?: number;
  /** Of that, the event loop's: the flow without what runs on other threads (argon2id, signing). */
  eventLoopCpuMsPerOp?: number;
  peakRssMiB?: number;
  /** Mean over rounds of the machine's idle share (when every round has one). */
  machineIdleShare?: number;
  /** The background load's successful operations per second (median over rounds) and errors. */
  background?: { opsPerSecond: number; errors: Record<string, number> };
}

export interface Row {
  id: string;
  title: string;
  skipped?: string;
  baseline?: Summary;
  ours?: Summary;
  /** ours / baseline of operations per second: above 1 is faster. */
  throughputRatio?: number;
  /** ours / baseline of p99 latency: above 1 is slower. */
  p99Ratio?: number;
  /** ours / baseline of CPU per operation: above 1 costs more. */
  cpuRatio?: number;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function addErrors(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
  return into;
}

const perSecond = (tally: Tally, seconds: number) => (seconds > 0 ? tally.ok / seconds : 0);

export function summarize(measurements: readonly Measurement[]): Summary {
  const latencies = measurements.flatMap((m) => m.latenciesMs).sort((a, b) => a - b);
  const ok = measurements.reduce((sum, m) => sum + m.ok, 0);
  const cpu = measurements.every((m) => m.cpuMs !== undefined) ? measurements.reduce((sum, m) => sum + m.cpuMs!, 0) : undefined;
  const loop = measurements.every((m) => m.eventLoopCpuMs !== undefined) ? measurements.reduce((sum, m) => sum + m.eventLoopCpuMs!, 0) : undefined;
  const peaks = measurements.map((m) => m.peakRssMiB).filter((v): v is number => v !== undefined);
  const idle = measurements.every((m) => m.machineIdleShare !== undefined) && measurements.length > 0 ? measurements.reduce((sum, m) => sum + m.machineIdleShare!, 0) / measurements.length : undefined;
  const byRound = measurements.map((m) => perSecond(m, m.seconds));
  const backgrounds = measurements.filter((m) => m.background);
  return {
    rounds: measurements.length,
    opsPerSecond: median(byRound),
    opsPerSecondByRound: byRound,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ok,
    errors: measurements.reduce((all, m) => addErrors(all, m.errors), {}),
    // With a background load the server's CPU is mostly the background's: no per-operation figure.
    ...(cpu !== undefined && ok > 0 && backgrounds.length === 0 ? { cpuMsPerOp: cpu / ok } : {}),
    ...(loop !== undefined && ok > 0 && backgrounds.length === 0 ? { eventLoopCpuMsPerOp: loop / ok } : {}),
    ...(peaks.length ? { peakRssMiB: Math.max(...peaks) } : {}),
    ...(idle !== undefined ? { machineIdleShare: idle } : {}),
    ...(backgrounds.length
      ? {
          background: {
            opsPerSecond: median(backgrounds.map((m) => perSecond(m.background!, m.seconds))),
            errors: backgrounds.reduce((all, m) => addErrors(all, m.background!.errors), {}),
          },
        }
      : {}),
  };
}

const ratio = (ours: number | undefined, baseline: number | undefined) => (ours !== undefined && baseline ? ours / baseline : undefined);

export function compare(id: string, title: string, baseline: Summary, ours: Summary): Row {
  return {
    id,
    title,
    baseline,
    ours,
    throughputRatio: ratio(ours.opsPerSecond, baseline.opsPerSecond),
    p99Ratio: ratio(ours.p99Ms, baseline.p99Ms),
    cpuRatio: ratio(ours.cpuMsPerOp, baseline.cpuMsPerOp),
  };
}

const errorCount = (errors: Record<string, number>) => Object.values(errors).reduce((a, b) => a + b, 0);

function num(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const rate = (value: number) => num(value, value >= 100 ? 0 : 1);
const ms = (value: number) => num(value, value >= 100 ? 0 : 1);
const pair = (a: string, b: string) => `${a} / ${b}`;
const percent = (share: number) => `${num(share * 100, 1)}%`;
const x = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}x`);

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| operation | ops/s baseline | ops/s ours | ratio | p50 ms b / o | p99 ms b / o | p99 ratio | CPU ms/op b / o | CPU ratio | peak RSS MiB b / o | errors b / o |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const { baseline: b, ours: o } = row;
    if (!b || !o) {
      lines.push(`| ${row.title} | - | - | - | - | - | - | - | - | - | ${row.skipped ? 'skipped' : '-'} |`);
      continue;
    }
    lines.push(
      `| ${row.title} | ${rate(b.opsPerSecond)} | ${rate(o.opsPerSecond)} | ${x(row.throughputRatio)} | ${pair(ms(b.p50Ms), ms(o.p50Ms))} | ${pair(ms(b.p99Ms), ms(o.p99Ms))} | ${x(row.p99Ratio)} | ` +
        `${pair(num(b.cpuMsPerOp, 2), num(o.cpuMsPerOp, 2))} | ${x(row.cpuRatio)} | ${pair(num(b.peakRssMiB, 0), num(o.peakRssMiB, 0))} | ${pair(String(errorCount(b.errors)), String(errorCount(o.errors)))} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The lines under the table: a sign-in's CPU besides its password check, skipped rows, the
 * background load, and what each error was.
 */
export function notes(rows: readonly Row[], verifyCpuMs: number): string[] {
  const out: string[] = [];
  const signIn = rows.find((row) => row.id === 'sign-in');
  const b = signIn?.baseline?.cpuMsPerOp;
  const o = signIn?.ours?.cpuMsPerOp;
  const bLoop = signIn?.baseline?.eventLoopCpuMsPerOp;
  const oLoop = signIn?.ours?.eventLoopCpuMsPerOp;
  if (b !== undefined && o !== undefined) {
    const against = `- Full sign-in CPU: ours ${o >= b ? '+' : ''}${num(o - b, 2)} ms per sign-in against the baseline. One argon2id verification costs ~${num(verifyCpuMs, 1)} ms CPU here (measured in the harness, +-1 ms)`;
    // The rest of a flow (event loop and signing) can't cost less than its event loop alone: when
    // it seems to, the harness's one measured check was off this run (the machine was busier then).
    out.push(
      bLoop !== undefined && b - verifyCpuMs < bLoop
        ? `${against}, more than the baseline's whole sign-in less its event loop (${num(b - bLoop, 1)} ms): that measurement was off this run, so no "rest of the flow" is given; the split by thread is.`
        : `${against}, so the rest of the flow is ~${num(b - verifyCpuMs, 1)} ms (baseline) / ~${num(o - verifyCpuMs, 1)} ms (ours): ~${x(ratio(o - verifyCpuMs, b - verifyCpuMs))}.`,
    );
  }
  if (b !== undefined && o !== undefined && bLoop !== undefined && oLoop !== undefined) {
    out.push(
      `- Full sign-in CPU by thread: the event loop (the flow: our code and the engine's) ${num(bLoop, 2)} ms (baseline) / ${num(oLoop, 2)} ms (ours): ${x(ratio(oLoop, bLoop))}; ` +
        `the other threads (libuv's pool: argon2id and WebCrypto's RSA/ECDSA signing; V8's helpers) ${num(b - bLoop, 2)} / ${num(o - oLoop, 2)} ms.`,
    );
  }
  const bIdle = signIn?.baseline?.machineIdleShare;
  const oIdle = signIn?.ours?.machineIdleShare;
  if (bIdle !== undefined && oIdle !== undefined) {
    // Throughput is CPU used over CPU per sign-in: a core left waiting lowers it as surely as more CPU does.
    out.push(
      `- Full sign-in, the machine's idle CPU in the windows (every core: what neither server nor the harness used): ${percent(bIdle)} (baseline) / ${percent(oIdle)} (ours).`,
    );
  }
  for (const row of rows) {
    if (row.skipped) out.push(`- ${row.title}: ${row.skipped}`);
    for (const [name, summary] of [['baseline', row.baseline], ['ours', row.ours]] as const) {
      if (!summary) continue;
      if (summary.background) {
        const errors = errorCount(summary.background.errors);
        out.push(`- ${row.title}, ${name}: ${rate(summary.background.opsPerSecond)} sign-ins/s ran meanwhile${errors ? ` (${errors} failed)` : ''}.`);
      }
      for (const [key, n] of Object.entries(summary.errors)) out.push(`- ${row.title}, ${name}: ${n} × ${key}`);
      for (const [key, n] of Object.entries(summary.background?.errors ?? {})) out.push(`- ${row.title}, ${name}, sign-ins meanwhile: ${n} × ${key}`);
    }
  }
  return out;
}
