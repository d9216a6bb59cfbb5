import { randomBytes } from 'node:crypto';
import { estimatedEntropyBits, secretWeakness } from '../../src/secret-strength.js';

describe('secretWeakness', () => {
  it('accepts generated secrets in hex and base64url', () => {
    for (let i = 0; i < 200; i += 1) {
      expect(secretWeakness('S', randomBytes(16).toString('hex'))).toBeUndefined();
      expect(secretWeakness('S', randomBytes(24).toString('base64url'))).toBeUndefined();
    }
  });

  it('refuses short secrets, naming the variable and the minimum', () => {
    expect(secretWeakness('SITE_B_COOKIE_SECRET', 'a')).toBe('SITE_B_COOKIE_SECRET must be at least 32 characters (got 1)');
  });

  it('refuses 32 identical characters, a repeated word and a repeated sequence', () => {
    for (const weak of ['x'.repeat(32), 'password'.repeat(4), '0123456789abcdef'.repeat(2)]) {
      expect(secretWeakness('COOKIE_SECRETS entry 1', weak)).toMatch(/too predictable/);
    }
  });

  it('refuses alphabet and keyboard runs, and repetition with a tail', () => {
    for (const weak of ['abcdefghijklmnopqrstuvwxyz012345', 'qwertyuiopasdfghjklzxcvbnm123456', 'passwordpasswordpassword12345678', 'changeme-changeme-changeme-chang']) {
      expect(secretWeakness('S', weak)).toMatch(/too predictable/);
    }
  });

  it('refuses a tiny alphabet even when it does not repeat exactly', () => {
    expect(estimatedEntropyBits('abbaabababbbaabaabbbabababaabbab')).toBeLessThan(80);
    expect(secretWeakness('S', 'abbaabababbbaabaabbbabababaabbab')).toMatch(/too predictable/);
  });

  it('refuses absurdly long values instead of scanning them', () => {
    expect(secretWeakness('S', randomBytes(2000).toString('hex'))).toMatch(/at most 1024/);
  });
});
