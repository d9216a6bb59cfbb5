/**
 * `npm run bench:cpu` (bench/cpu-per-request.ts): its options, and the table it prints from the
 * µs per request it measured.
 */
import { cpuTable, readCpuSettings } from '../../bench/harness/cpu-report.js';

describe('npm run bench:cpu', () => {
  it('measures discovery and the JWKS, 30,000 requests, 3 rounds, 8 connections unless told otherwise', () => {
    expect(readCpuSettings([])).toEqual({ paths: ['/jwks', '/.well-known/openid-configuration'], requests: 30_000, rounds: 3, connections: 8 });
    expect(readCpuSettings(['--paths', '/healthz, /jwks', '--requests', '500', '--rounds', '1', '--connections', '2'])).toEqual({
      paths: ['/healthz', '/jwks'],
      requests: 500,
      rounds: 1,
      connections: 2,
    });
    expect(readCpuSettings(['--help'])).toBe('help');
  });

  it('refuses counts that are not positive whole numbers, and paths that are not paths', () => {
    for (const bad of [['--requests', '0'], ['--rounds', '1.5'], ['--connections', 'many'], ['--paths', 'jwks'], ['--paths', ',']]) {
      expect(() => readCpuSettings(bad)).toThrow(/^--(requests|rounds|connections|paths) must/);
    }
  });

  it('prints each round, the medians and ours / baseline per path', () => {
    const table = cpuTable(['/jwks'], new Map([['/jwks', { baseline: [52, 50, 56], ours: [30, 28, 29] }]]));
    expect(table.split('\n')).toEqual([
      '| path | baseline µs, each round | ours µs, each round | baseline median | ours median | CPU ratio |',
      '| --- | --- | --- | ---: | ---: | ---: |',
      '| /jwks | 52.0 / 50.0 / 56.0 | 30.0 / 28.0 / 29.0 | 52.0 | 29.0 | 0.56x |',
    ]);
  });
});
