import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { DEFAULT_MAX_SESSIONS } from '../../clients/site-a/session-store.js';
import { loadSiteBConfig } from '../../clients/site-b/config.js';

const base = { SITE_A_CLIENT_SECRET: 'issued-by-the-idp', SITE_B_CLIENT_SECRET: 'issued-by-the-idp' };

describe('sample site configuration', () => {
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
        loadSiteAConfig({ SITE_A_MONGODB_URI: 'mysql://x', SITE_A_MAX_SESSIONS: '0' });
      } catch (error) {
        message = (error as Error).message;
      }
      for (const name of ['SITE_A_CLIENT_SECRET', 'SITE_A_MONGODB_URI', 'SITE_A_MAX_SESSIONS']) expect(message).toContain(name);
    });
  });
});
