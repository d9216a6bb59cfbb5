import { createPasswordVerifier, hashPassword, verifyPassword } from '../../src/accounts/passwords.js';

describe('passwords', () => {
  it('hashes with argon2id at m=19456, t=2, p=1 and a fresh salt each time', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    // PHC string: $argon2id$v=19$<params>$<salt>$<hash>; node-argon2 writes the params as m,p,t.
    const [, algorithm, version, params, salt, digest] = first.split('$');
    expect([algorithm, version]).toEqual(['argon2id', 'v=19']);
    expect(Object.fromEntries(params!.split(',').map((pair) => pair.split('=')))).toEqual({ m: '19456', t: '2', p: '1' });
    expect(salt).toMatch(/^[A-Za-z0-9+/]{22}$/);
    expect(digest).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
  });

  it('verifies the password a hash was made from, and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'Correct horse battery staple')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('treats a malformed hash as a mismatch instead of throwing', async () => {
    for (const hash of ['', 'not-a-hash', '$argon2id$v=19$m=19456,t=2,p=1$broken', '$2b$10$abcdefghijklmnopqrstuv']) {
      await expect(verifyPassword(hash, 'anything')).resolves.toBe(false);
    }
  });
});

describe('createPasswordVerifier', () => {
  it('verifies real hashes like verifyPassword', async () => {
    const verifier = createPasswordVerifier();
    const hash = await hashPassword('wonderland');
    expect(await verifier.verify(hash, 'wonderland')).toBe(true);
    expect(await verifier.verify(hash, 'builder')).toBe(false);
  });

  it('answers false from the dummy verification, whatever the password', async () => {
    const verifier = createPasswordVerifier();
    expect(await verifier.verifyAgainstDummy('wonderland')).toBe(false);
    expect(await verifier.verifyAgainstDummy('')).toBe(false);
  });
});
