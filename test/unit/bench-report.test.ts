/**
 * The arithmetic behind `npm run bench`'s table (bench/harness/report.ts): what a reader takes
 * from the README must be what was measured. The bench itself runs in CI as `npm run bench --
 * --smoke` (.ci/run); it asserts no speed.
 */
import { compare, markdownTable, notes, percentile, summarize, type Measurement } from '../../bench/harness/report.js';

const measurement = (round: number, ok: number, seconds: number, cpuMs: number, latenciesMs: number[], errors: Record<string, number> = {}): Measurement => ({
  round,
  ok,
  seconds,
  cpuMs,
  latenciesMs,
  errors,
  peakRssMiB: 100 + round,
});

describe('bench report', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_v, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes rounds: median throughput, pooled latencies, CPU per successful operation, highest peak', () => {
    const summary = summarize([measurement(1, 100, 1, 50, [1, 2]), measurement(2, 300, 1, 150, [3, 4]), measurement(3, 200, 1, 100, [5], { 'HTTP 429 at the password POST': 2 })]);
    expect(summary.opsPerSecond).toBe(200);
    expect(summary.p50Ms).toBe(3);
    expect(summary.cpuMsPerOp).toBeCloseTo(300 / 600);
    expect(summary.peakRssMiB).toBe(103);
    expect(summary.errors).toEqual({ 'HTTP 429 at the password POST': 2 });
  });

  it('gives no CPU per operation when a background load shared the window', () => {
    const withBackground = { ...measurement(1, 10, 1, 500, [1]), background: { ok: 20, errors: {} } };
    const summary = summarize([withBackground]);
    expect(summary.cpuMsPerOp).toBeUndefined();
    expect(summary.background?.opsPerSecond).toBe(20);
  });

  it('states ratios as ours over the baseline and prints them in the table and notes', () => {
    const baseline = summarize([measurement(1, 1000, 1, 200, [1, 2, 3])]);
    const ours = summarize([measurement(1, 800, 1, 240, [2, 3, 6], { 'HTTP 503 at the password POST': 1 })]);
    const row = compare('sign-in', 'full sign-in', baseline, ours);
    expect(row.throughputRatio).toBeCloseTo(0.8);
    expect(row.p99Ratio).toBeCloseTo(2);
    expect(row.cpuRatio).toBeCloseTo(0.3 / 0.2);
    const table = markdownTable([row, { id: 'client-credentials', title: 'client_credentials', skipped: 'skipped: not offered yet' }]);
    expect(table).toContain('| full sign-in | 1,000 | 800 | 0.80x |');
    expect(table).toContain('| client_credentials | - |');
    const lines = notes([row], 0.1).join('\n');
    expect(lines).toContain('1 × HTTP 503 at the password POST');
    expect(lines).toContain('ours +0.10 ms per sign-in against the baseline');
    expect(lines).toContain('~0.1 ms (baseline) / ~0.2 ms (ours): ~2.00x');
  });

  it("splits a sign-in's CPU into the event loop's (the flow) and the other threads' (the hash, signing)", () => {
    const withLoop = (cpuMs: number, eventLoopCpuMs: number) => summarize([{ ...measurement(1, 100, 1, cpuMs, [1]), eventLoopCpuMs }]);
    const row = compare('sign-in', 'full sign-in', withLoop(3000, 600), withLoop(3300, 660));
    expect(row.baseline?.eventLoopCpuMsPerOp).toBeCloseTo(6);
    expect(notes([row], 25).join('\n')).toContain('the event loop (the flow: our code and the engine\'s) 6.00 ms (baseline) / 6.60 ms (ours): 1.10x; the other threads (libuv\'s pool: argon2id and WebCrypto\'s RSA/ECDSA signing; V8\'s helpers) 24.00 / 26.40 ms.');
  });

  it('gives no "rest of the flow" when the one hash measured in the harness leaves less than the event loop used', () => {
    const withLoop = (cpuMs: number, eventLoopCpuMs: number) => summarize([{ ...measurement(1, 100, 1, cpuMs, [1]), eventLoopCpuMs }]);
    const row = compare('sign-in', 'full sign-in', withLoop(3210, 364), withLoop(3590, 527));
    const lines = notes([row], 31.5).join('\n');
    expect(lines).toContain('that measurement was off this run');
    expect(lines).not.toContain('rest of the flow is');
    expect(lines).toContain('the event loop (the flow: our code and the engine\'s) 3.64 ms (baseline) / 5.27 ms (ours)');
  });

  it("reports the machine's idle CPU under sign-ins as the mean over rounds, and says nothing when a round lacks it", () => {
    const idle = (...shares: number[]) => summarize(shares.map((share, i) => ({ ...measurement(i + 1, 100, 1, 3000, [1]), machineIdleShare: share })));
    const row = compare('sign-in', 'full sign-in', idle(0.006, 0.008), idle(0.05, 0.04, 0.06));
    expect(row.ours?.machineIdleShare).toBeCloseTo(0.05);
    expect(notes([row], 25).join('\n')).toContain("the machine's idle CPU in the windows (every core: what neither server nor the harness used): 0.7% (baseline) / 5.0% (ours).");

    const partly = summarize([{ ...measurement(1, 100, 1, 3000, [1]), machineIdleShare: 0.05 }, measurement(2, 100, 1, 3000, [1])]);
    expect(partly.machineIdleShare).toBeUndefined();
    expect(notes([compare('sign-in', 'full sign-in', idle(0.01), partly)], 25).join('\n')).not.toContain('idle CPU');
  });
});
