/**
 * The machine's idle share that `npm run bench` reports beside each window (bench/harness/proc-stats.ts):
 * what neither server nor the load generator used. Read from /proc/stat's aggregate line (Linux, as
 * the bench's other /proc readings and CI).
 */
import { idleShare, machineTicks } from '../../bench/harness/proc-stats.js';

describe("the bench's machine idle share", () => {
  it('is the idle ticks over all ticks between two readings', () => {
    expect(idleShare({ idle: 100, total: 1000 }, { idle: 150, total: 2000 })).toBeCloseTo(0.05);
    expect(idleShare({ idle: 100, total: 1000 }, { idle: 100, total: 1000 })).toBeUndefined();
    expect(idleShare(undefined, { idle: 1, total: 2 })).toBeUndefined();
  });

  it('reads every core from /proc/stat: a busy loop between two readings leaves a share between 0 and 1', () => {
    const from = machineTicks();
    expect(from).toBeDefined();
    expect(from!.idle).toBeLessThanOrEqual(from!.total);
    const until = Date.now() + 120;
    while (Date.now() < until);
    const share = idleShare(from, machineTicks());
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(1);
  });
});
