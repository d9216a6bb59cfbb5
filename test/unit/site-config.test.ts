import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { DEFAULT_MAX_SESSIONS } from '../../clients/site-a/session-store.js';
import { loadSiteBConfig } from '../../clients/site-b/config.js';
import { AppError } from '../../src/errors.js';

const issued = 'xeSsLaW58tavzCTHOLSBM0uHTAvwCxTW';
const base = { SITE_A_CLIENT_SECRET: issued, SITE_B_CLIENT_SECRET: issued };
const strongSecret = 'pX3v9Qe2LmTz7RkW4yHbN8cJd6FsGa1U';

describe('sample site configuration', () => {
  describe('cookie secrets (SITE_A_COOKIE_SECRET, SITE_B_COOKIE_SECRET)', () => {
    // site-b's session cookie is an HS256 JWT: with a guessable key anyone can mint one offline.
    it.each([
      ['one character', 'x', /at least 32 characters/],
      ['32 identical characters', 'a'.repeat(32), /too predictable/],
      ['a short string repeated', 'abcd'.repeat(10), /too predictable/],
    ])('refuses %s, naming the setting', (_what, secret, reason) => {
      expect(() => loadSiteBConfig({ ...base, SITE_B_COOKIE_SECRET: secret })).toThrow(reason);
      expect(() => loadSiteBConfig({ ...base, SITE_B_COOKIE_SECRET: secret })).toThrow(/SITE_B_COOKIE_SECRET/);
      expect(() => loadSiteAConfig({ ...base, SITE_A_COOKIE_SECRET: secret })).toThrow(/SITE_A_COOKIE_SECRET/);
    });

    it('uses a strong secret as given', () => {
      expect(loadSiteBConfig({ ...base, SITE_B_COOKIE_SECRET: strongSecret }).cookieSecret).toBe(strongSecret);
    });

    it('generates a random 256-bit secret when none is set', () => {
      const [one, two] = [loadSiteBConfig(base).cookieSecret, loadSiteBConfig(base).cookieSecret];
      expect(Buffer.from(one, 'base64url')).toHaveLength(32);
      expect(one).not.toBe(two);
    });
  });

  it('refuses a weak client secret: the IdP issues 256-bit ones', () => {
    expect(() => loadSiteAConfig({ ...base, SITE_A_CLIENT_SECRET: 'secret' })).toThrow(/SITE_A_CLIENT_SECRET must be at least 32 characters/);
  });

  describe('https and proxy trust (SITE_*_URL, SITE_*_TRUST_PROXY)', () => {
    it('refuses an https site URL without proxy trust, naming the fix', () => {
      const load = () => loadSiteAConfig({ ...base, SITE_A_URL: 'https://a.example.com' });
      expect(load).toThrow(AppError);
      expect(load).toThrow(/SITE_A_URL is https.*set SITE_A_TRUST_PROXY=true/);
    });

    it('refuses plain http anywhere but loopback, for the site and for the IdP it trusts', () => {
      expect(() => loadSiteAConfig({ ...base, SITE_A_URL: 'http://a.example.com' })).toThrow(/SITE_A_URL must use https unless the site is on loopback/);
      expect(() => loadSiteAConfig({ ...base, ISSUER: 'http://127.attacker.example' })).toThrow(/ISSUER must use https/);
      expect(loadSiteAConfig({ ...base, SITE_A_URL: 'http://127.0.0.1:3001' }).siteUrl).toBe('http://127.0.0.1:3001');
    });

    it('accepts an https site URL behind a trusted proxy', () => {
      const config = loadSiteBConfig({ ...base, SITE_B_URL: 'https://b.example.com', SITE_B_TRUST_PROXY: 'true' });
      expect([config.siteUrl, config.trustProxy, config.port]).toEqual(['https://b.example.com', true, 443]);
    });

    it('trusts no proxy unless told, and refuses a value that is not true or false', () => {
      expect(loadSiteAConfig(base).trustProxy).toBe(false);
      expect(() => loadSiteAConfig({ ...base, SITE_A_TRUST_PROXY: 'yes please' })).toThrow(/SITE_A_TRUST_PROXY must be true or false/);
    });
  });

  describe('state (SITE_*_MONGODB_URI, SITE_A_MAX_SESSIONS)', () => {
    it('keeps state in memory unless a MongoDB URI is set, and refuses anything else as a URI', () => {
      expect(loadSiteBConfig(base).mongodbUri).toBeUndefined();
      expect(loadSiteBConfig({ ...base, SITE_B_MONGODB_URI: 'mongodb://db.internal/site_b' }).mongodbUri).toBe('mongodb://db.internal/site_b');
      expect(() => loadSiteAConfig({ ...base, SITE_A_MONGODB_URI: 'postgres://db.internal/a' })).toThrow(/SITE_A_MONGODB_URI must start with mongodb:\/\//);
    });

    it('bounds site-a at 100,000 sessions unless SITE_A_MAX_SESSIONS says otherwise', () => {
      expect(loadSiteAConfig(base).maxSessions).toBe(DEFAULT_MAX_SESSIONS);
      expect(DEFAULT_MAX_SESSIONS).toBe(100_000);
      expect(loadSiteAConfig({ ...base, SITE_A_MAX_SESSIONS: '500' }).maxSessions).toBe(500);
      for (const bad of ['0', '-1', '1.5', 'lots']) expect(() => loadSiteAConfig({ ...base, SITE_A_MAX_SESSIONS: bad })).toThrow(/SITE_A_MAX_SESSIONS must be a positive whole number/);
    });

    it('reports every problem at once', () => {
      let message = '';
      try {
        loadSiteAConfig({ SITE_A_URL: 'https://a.example.com', SITE_A_COOKIE_SECRET: 'x', SITE_A_MAX_SESSIONS: '0' });
      } catch (error) {
        message = (error as Error).message;
      }
      for (const name of ['SITE_A_CLIENT_SECRET', 'SITE_A_COOKIE_SECRET', 'SITE_A_TRUST_PROXY', 'SITE_A_MAX_SESSIONS']) expect(message).toContain(name);
    });
  });
});
