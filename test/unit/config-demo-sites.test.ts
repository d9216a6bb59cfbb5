import { DEFAULT_DEMO_SITE_ORIGINS, loadConfig } from '../../src/config.js';

const DEMO = { NODE_ENV: 'development', DEMO: 'true' };

describe('loadConfig: DEMO_SITE_ORIGINS', () => {
  it('defaults in demo mode to the two seeded sites, and is empty without demo mode', () => {
    expect(loadConfig(DEMO).demoSiteOrigins).toEqual(['http://site-a.localhost:3001', 'http://site-b.localhost:3002']);
    expect(DEFAULT_DEMO_SITE_ORIGINS).toEqual(loadConfig(DEMO).demoSiteOrigins);
    expect(loadConfig({ NODE_ENV: 'development', DEMO: 'false', DEMO_SITE_ORIGINS: 'http://site-a.localhost:3001' }).demoSiteOrigins).toEqual([]);
  });

  it('reads a comma-separated list of loopback origins', () => {
    const config = loadConfig({ ...DEMO, DEMO_SITE_ORIGINS: ' http://Site-C.localhost:4001/ , http://127.0.0.1:4002,https://[::1]:4003' });
    expect(config.demoSiteOrigins).toEqual(['http://site-c.localhost:4001', 'http://127.0.0.1:4002', 'https://[::1]:4003']);
    expect(Object.isFrozen(config.demoSiteOrigins)).toBe(true);
  });

  it.each([
    ['a path', 'http://site-a.localhost:3001/callback', /must be origins/],
    ['credentials', 'http://user:pw@site-a.localhost:3001', /must be origins/],
    ['a query', 'http://site-a.localhost:3001?x', /must be origins/],
    ['another scheme', 'ftp://site-a.localhost:3001', /must be origins/],
    ['no scheme', 'site-a.localhost:3001', /must be origins/],
    ['an IP literal spelled otherwise', 'http://127.1:3001', /must be origins/],
    ['a host off loopback', 'https://site-a.example.com', /must be on loopback/],
    ['a private address', 'http://10.0.0.5:3001', /must be on loopback/],
  ])('refuses an entry with %s', (_what, entry, problem) => {
    expect(() => loadConfig({ ...DEMO, DEMO_SITE_ORIGINS: `http://site-a.localhost:3001,${entry}` })).toThrow(problem);
  });
});
