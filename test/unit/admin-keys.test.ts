import { ensureKeys } from '../../src/oidc/key-ring.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { runCli } from '../support/admin.js';

describe('admin CLI: keys', () => {
  it('lists one active signing key per algorithm and one cookie secret after the first start', async () => {
    const storage = createMemoryStorage();
    await ensureKeys(storage.keys);
    const run = await runCli(storage, ['keys', 'list', '--json']);
    expect(run.code).toBe(0);
    const rows = run.json<{ purpose: string; alg?: string; state: string }[]>();
    expect(rows.map((r) => `${r.purpose}:${r.alg ?? '-'}:${r.state}`).sort()).toEqual(['cookie:-:active', 'signing:ES256:active', 'signing:RS256:active']);
  });

  it('rotates: new keys are published, the current ones scheduled to retire', async () => {
    const storage = createMemoryStorage();
    await ensureKeys(storage.keys);
    const rotated = await runCli(storage, ['keys', 'rotate', '--purpose', 'signing', '--json']);
    expect(rotated.code).toBe(0);
    expect(rotated.json<{ state: string }[]>().map((r) => r.state)).toEqual(['published', 'published']);
    const listed = (await runCli(storage, ['keys', 'list', '--purpose', 'signing', '--json'])).json<{ state: string; retires?: string }[]>();
    expect(listed).toHaveLength(4);
    expect(listed.filter((r) => r.state === 'active').every((r) => r.retires)).toBe(true);
  });

  it('prints a table for people', async () => {
    const storage = createMemoryStorage();
    await ensureKeys(storage.keys);
    const run = await runCli(storage, ['keys', 'list']);
    expect(run.out.split('\n')[0]).toMatch(/^ID\s+PURPOSE\s+ALG\s+STATE/);
  });

  it('exits 2 with the usage for an unknown command, a bad option or a bad purpose', async () => {
    const storage = createMemoryStorage();
    for (const argv of [['keys', 'explode'], ['keys', 'list', '--colour'], ['keys', 'rotate', '--purpose', 'everything'], []]) {
      const run = await runCli(storage, argv);
      expect(run.code).toBe(2);
      expect(run.err).toContain('Usage: npm run admin');
    }
  });
});
