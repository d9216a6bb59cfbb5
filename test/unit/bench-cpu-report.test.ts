/**
 * `npm run bench:cpu` (bench/cpu-per-request.ts): its options, and the table it prints from the
 * µs per request it measured.
 */
import { cpuPerCall, cpuTable, cpuUsage, readCpuSettings, repeat } from '../../bench/harness/cpu-report.js';

const OPERATIONS = ['userinfo', 'introspection'];

describe('npm run bench:cpu', () => {
  it('measures discovery and the JWKS, 30,000 requests, 3 rounds, 8 connections unless told otherwise', () => {
    expect(readCpuSettings([], OPERATIONS)).toEqual({ paths: ['/jwks', '/.well-known/openid-configuration'], operations: [], requests: 30_000, rounds: 3, connections: 8, eventLoop: false });
    expect(readCpuSettings(['--paths', '/healthz, /jwks', '--requests', '500', '--rounds', '1', '--connections', '2'], OPERATIONS)).toEqual({
      paths: ['/healthz', '/jwks'],
      operations: [],
      requests: 500,
      rounds: 1,
      connections: 2,
      eventLoop: false,
    });
    expect(readCpuSettings(['--help'], OPERATIONS)).toBe('help');
  });

  it('measures only the operations of npm run bench it is given, and paths only when asked for them too', () => {
    expect(readCpuSettings(['--operations', 'userinfo, introspection'], OPERATIONS)).toMatchObject({ paths: [], operations: ['userinfo', 'introspection'] });
    expect(readCpuSettings(['--operations', 'userinfo', '--paths', '/jwks'], OPERATIONS)).toMatchObject({ paths: ['/jwks'], operations: ['userinfo'] });
    expect(readCpuSettings(['--operations', 'userinfo,userinfo', '--paths', '/jwks,/jwks'], OPERATIONS)).toMatchObject({ paths: ['/jwks'], operations: ['userinfo'] });
    expect(cpuUsage(OPERATIONS)).toContain('userinfo, introspection');
    expect(readCpuSettings(['--operations', 'userinfo', '--event-loop'], OPERATIONS)).toMatchObject({ eventLoop: true });
  });

  it('puts a kept build of ours in the baseline\'s column when given --variant, and names it so in the table', () => {
    expect(readCpuSettings(['--operations', 'userinfo', '--variant', '.ab/before'], OPERATIONS)).toMatchObject({ operations: ['userinfo'], variant: '.ab/before' });
    expect(readCpuSettings(['--operations', 'userinfo'], OPERATIONS)).not.toHaveProperty('variant');
    expect(cpuTable(['userinfo'], new Map([['userinfo', { baseline: [200], ours: [210] }]]), false, 'ours from .ab/before').split('\n')[0]).toBe(
      '| path or operation | ours from .ab/before µs, each round | ours µs, each round | ours from .ab/before median | ours median | CPU ratio |',
    );
  });

  it('refuses counts that are not positive whole numbers, paths that are not paths, and operations it does not know', () => {
    for (const bad of [['--requests', '0'], ['--rounds', '1.5'], ['--connections', 'many'], ['--paths', 'jwks'], ['--paths', ','], ['--operations', 'sign-in'], ['--operations', ',']]) {
      expect(() => readCpuSettings(bad, OPERATIONS)).toThrow(/^--(requests|rounds|connections|paths|operations) must/);
    }
  });

  it('prints each round, the medians and ours / baseline per path or operation', () => {
    const table = cpuTable(['/jwks', 'userinfo'], new Map([['/jwks', { baseline: [52, 50, 56], ours: [30, 28, 29] }], ['userinfo', { baseline: [200, 210, 190], ours: [250, 240, 260] }]]));
    expect(table.split('\n')).toEqual([
      '| path or operation | baseline µs, each round | ours µs, each round | baseline median | ours median | CPU ratio |',
      '| --- | --- | --- | ---: | ---: | ---: |',
      '| /jwks | 52.0 / 50.0 / 56.0 | 30.0 / 28.0 / 29.0 | 52.0 | 29.0 | 0.56x |',
      '| userinfo | 200.0 / 210.0 / 190.0 | 250.0 / 240.0 / 260.0 | 200.0 | 250.0 | 1.25x |',
    ]);
    expect(cpuTable(['userinfo'], new Map([['userinfo', { baseline: [1], ours: [2] }]]), true).split('\n')[0]).toBe(
      '| path or operation | baseline event-loop µs, each round | ours event-loop µs, each round | baseline median | ours median | CPU ratio |',
    );
  });

  it('repeats an operation over its workers until the count has started, counting only what completed', async () => {
    const byWorker = [0, 0, 0];
    expect(await repeat(async (worker) => void (byWorker[worker]! += 1), 3, 10)).toBe(10);
    expect(byWorker.reduce((sum, n) => sum + n, 0)).toBe(10);
    expect(byWorker.every((n) => n > 0)).toBe(true);
    // A worker whose prepared work ran out stops, and its last call is not counted.
    let left = 4;
    expect(await repeat(async () => (left-- > 0 ? undefined : 'exhausted'), 2, 10)).toBe(4);
  });

  it('divides the CPU of the measured calls by the calls that completed, after a quarter as many to warm up', async () => {
    let cpuMs = 1_000;
    const sent: number[] = [];
    // Each call costs 0.25 ms of server CPU; of the 400 measured, 380 complete.
    const send = async (count: number) => {
      sent.push(count);
      cpuMs += count * 0.25;
      return count === 400 ? 380 : count;
    };
    expect(await cpuPerCall(() => cpuMs, 400, send)).toBeCloseTo((400 * 0.25 * 1000) / 380, 6);
    expect(sent).toEqual([100, 400]);
  });

  it('refuses to give a figure when the CPU cannot be read or nothing completed', async () => {
    await expect(cpuPerCall(() => undefined, 10, async (count) => count)).rejects.toThrow(/CPU cannot be read/);
    await expect(cpuPerCall(() => 5, 10, async () => 0)).rejects.toThrow(/no operation completed/);
  });
});
