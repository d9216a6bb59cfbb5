import { WARMUP_SECONDS, readSettings, type Settings } from '../../bench/harness/settings.js';

describe('npm run bench settings', () => {
  it('measures each server once its JIT has settled: 5 s of unmeasured load first, 0.2 s in the smoke mode', () => {
    expect(WARMUP_SECONDS).toBe(5);
    expect((readSettings([], {}) as Settings).warmupSeconds).toBe(WARMUP_SECONDS);
    expect((readSettings(['--smoke'], {}) as Settings).warmupSeconds).toBe(0.2);
    expect((readSettings(['--warmup', '2'], {}) as Settings).warmupSeconds).toBe(2);
    expect((readSettings([], { BENCH_WARMUP_SECONDS: '3' }) as Settings).warmupSeconds).toBe(3);
  });
});
