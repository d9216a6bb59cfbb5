import { cookieKeys, ensureKeys, generateSigningKey, providerJwks, pruneKeys, rotateKeys } from '../../src/oidc/key-ring.js';
import { createMemoryKeys } from '../../src/storage/memory/keys.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

describe('key ring', () => {
  it('creates one signing key per algorithm and one cookie secret once, not at every start', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    await ensureKeys(repo, at(10));
    expect((await repo.list('signing')).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(await repo.list('cookie')).toHaveLength(1);
  });

  it('agrees on one key set when two instances start together on an empty store', async () => {
    const repo = createMemoryKeys();
    await Promise.all([ensureKeys(repo, at(0)), ensureKeys(repo, at(0))]);
    expect((await repo.list('signing')).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(await repo.list('cookie')).toHaveLength(1);
  });

  it('retires every unretired key of a group on rotation: a pending successor and a stray second signer too', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    // A stray second RS256 signer, as an old double first start left behind.
    await repo.add({ ...(await generateSigningKey('RS256', at(0), at(0))) });
    const [pending] = await rotateKeys(repo, 'signing', { now: at(10), publishDelaySeconds: 60, keepSeconds: 600 });
    await rotateKeys(repo, 'signing', { now: at(20), publishDelaySeconds: 60, keepSeconds: 600 });
    const rs256 = (await repo.list('signing')).filter((k) => k.alg === 'RS256');
    const unretired = rs256.filter((k) => !k.retiredAt);
    expect(unretired).toHaveLength(1);
    expect(rs256.find((k) => k.id === pending!.id)?.retiredAt).toEqual(at(80));
    // Once every keep period is over, one RS256 key is published.
    expect(providerJwks(await repo.list('signing'), at(80 + 601)).keys.filter((k) => k.alg === 'RS256')).toHaveLength(1);
  });

  it('leaves one unretired key per group when two rotations run at once (two instances, or the CLI beside the API)', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    const timing = { now: at(10), publishDelaySeconds: 60, keepSeconds: 600 };
    await Promise.all([rotateKeys(repo, 'signing', timing), rotateKeys(repo, 'signing', timing), rotateKeys(repo, 'cookie', timing), rotateKeys(repo, 'cookie', timing)]);
    for (const [purpose, groups] of [['signing', ['RS256', 'ES256']], ['cookie', [undefined]]] as const) {
      for (const alg of groups) {
        const group = (await repo.list(purpose)).filter((key) => key.alg === alg);
        expect([purpose, alg, group.filter((key) => !key.retiredAt)]).toEqual([purpose, alg, [expect.anything()]]);
        for (const key of group.filter((key) => key.retiredAt)) expect(key.removeAfter).toEqual(new Date(key.retiredAt!.getTime() + 600_000));
      }
    }
    // A year on, one key per group is published.
    expect(providerJwks(await repo.list('signing'), at(365 * 86_400)).keys).toHaveLength(2);
  });

  it('prunes the first start\'s record, with its private copies, once a key it holds is pruned', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    expect(await repo.list('bootstrap')).toHaveLength(1);
    await rotateKeys(repo, 'signing', { now: at(10), publishDelaySeconds: 60, keepSeconds: 600 });
    expect(await pruneKeys(repo, 'signing', at(20))).toEqual([]);
    expect(await repo.list('bootstrap')).toHaveLength(1);
    expect(await pruneKeys(repo, 'signing', at(10 + 60 + 601))).toHaveLength(2);
    expect(await repo.list('bootstrap')).toEqual([]);
  });

  it('keeps exactly one signer per algorithm across a rotation, and the old key published until its keep period ends', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    await rotateKeys(repo, 'signing', { now: at(100), publishDelaySeconds: 60, keepSeconds: 600 });
    const signersAt = (seconds: number) => {
      const { keys } = providerJwks([...repoSnapshot], at(seconds));
      return keys.filter((k) => !k.key_ops).map((k) => `${String(k.alg)}:${String(k.kid)}`);
    };
    const repoSnapshot = await repo.list('signing');
    const [oldRs, newRs] = repoSnapshot.filter((k) => k.alg === 'RS256').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    expect(signersAt(120)).toContain(`RS256:${oldRs!.id}`); // new key published, not yet signing
    expect(signersAt(161)).toContain(`RS256:${newRs!.id}`);
    expect(signersAt(161)).toHaveLength(2);
    expect(providerJwks(repoSnapshot, at(161)).keys.map((k) => k.kid)).toContain(oldRs!.id); // still verifies
    expect(providerJwks(repoSnapshot, at(160 + 601)).keys.map((k) => k.kid)).not.toContain(oldRs!.id);
  });

  it('puts the signing cookie secret first and keeps the replaced one for verification', async () => {
    const repo = createMemoryKeys();
    await ensureKeys(repo, at(0));
    const [first] = cookieKeys(await repo.list('cookie'), at(0));
    await rotateKeys(repo, 'cookie', { now: at(10), publishDelaySeconds: 0, keepSeconds: 3600 });
    const keys = cookieKeys(await repo.list('cookie'), at(11));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(first);
    expect(cookieKeys(await repo.list('cookie'), at(10 + 3601))).toHaveLength(1);
  });
});
