import { Secret, TOTP } from 'otpauth';
import { loadFactorSecrets } from '../../src/mfa/factor-secrets.js';
import { newRecoveryCode, normalizeRecoveryCode } from '../../src/mfa/recovery-codes.js';
import { matchingStep, newTotpSecret, totpUri } from '../../src/mfa/totp.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';

const at = (secret: string, timestamp: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp });

describe('matchingStep (RFC 6238, 30 s steps, one step either way)', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_015_000; // the middle of a step
  const step = Math.floor(now / 30_000);

  it('finds the step of a code from this step, the one before and the one after', () => {
    expect(matchingStep(secret, at(secret, now), now)).toBe(step);
    expect(matchingStep(secret, at(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(secret, at(secret, now + 30_000), now)).toBe(step + 1);
  });

  it('refuses a code from two steps ago or two ahead, and anything that is not six digits', () => {
    const old = at(secret, now - 60_000);
    // A code can repeat across steps by chance (1 in a million); skip the check then.
    if (![at(secret, now), at(secret, now - 30_000), at(secret, now + 30_000)].includes(old)) expect(matchingStep(secret, old, now)).toBeUndefined();
    expect(matchingStep(secret, at(secret, now + 60_000), now)).toBeUndefined();
    for (const code of ['', '12345', '1234567', 'abcdef', `${at(secret, now)} `]) expect(matchingStep(secret, code, now)).toBeUndefined();
  });

  it('gives apps a SHA-1, 6-digit, 30-second otpauth URI with the secret', () => {
    const uri = new URL(totpUri(secret, { label: 'pat@example.com', issuer: 'idp.example' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, algorithm: 'SHA1', digits: '6', period: '30', issuer: 'idp.example' });
  });
});

describe('recovery codes', () => {
  it('are 80 random bits in four groups, read back whatever the case, spaces or dashes', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(normalizeRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code.replace(/-/g, ''));
    expect(new Set(Array.from({ length: 50 }, newRecoveryCode)).size).toBe(50);
  });

  it('refuse what cannot be a code, including very long input', () => {
    for (const input of ['', 'ABCD-EFGH', 'ABCD-EFGH-IJKL-MNO1', 'A'.repeat(65)]) expect(normalizeRecoveryCode(input)).toBe('');
  });
});

describe('loadFactorSecrets', () => {
  it('keeps one key in the store, so a second instance opens what the first sealed', async () => {
    const storage = createMemoryStorage();
    const [one, two] = [await loadFactorSecrets(storage.keys), await loadFactorSecrets(storage.keys)];
    expect(await storage.keys.list('factor')).toHaveLength(1);
    const sealed = one.seal('JBSWY3DPEHPK3PXP', 'account-1');
    expect(JSON.stringify(sealed)).not.toContain('JBSWY3DPEHPK3PXP');
    expect(two.open(sealed, 'account-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(two.hashRecoveryCode('ABCD')).toBe(one.hashRecoveryCode('ABCD'));
  });

  it('refuses a sealed secret moved to another account, or tampered with', async () => {
    const secrets = await loadFactorSecrets(createMemoryStorage().keys);
    const sealed = secrets.seal('JBSWY3DPEHPK3PXP', 'account-1');
    expect(secrets.open(sealed, 'account-2')).toBeUndefined();
    expect(secrets.open({ ...sealed, data: Buffer.from('x').toString('base64url') }, 'account-1')).toBeUndefined();
  });
});
