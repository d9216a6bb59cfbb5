import { loadSiteConfig, type SiteConfig } from '../shared/site-config.js';

export function loadSiteAConfig(env: Record<string, string | undefined> = process.env): SiteConfig {
  return loadSiteConfig('SITE_A', { siteUrl: 'http://site-a.localhost:3001', clientId: 'site-a', name: 'Site A' }, env);
}
