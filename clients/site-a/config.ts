import { loadSiteConfig, type SiteConfig } from '../shared/site-config.js';
import { DEFAULT_MAX_SESSIONS } from './session-store.js';

export interface SiteAConfig extends SiteConfig {
  /** The most sessions kept at once; when full the oldest goes (session-store.ts). */
  maxSessions: number;
}

export function loadSiteAConfig(env: Record<string, string | undefined> = process.env): SiteAConfig {
  return loadSiteConfig('SITE_A', { siteUrl: 'http://site-a.localhost:3001', clientId: 'site-a', name: 'Site A' }, env, (read) => ({
    maxSessions: read.positiveInteger('SITE_A_MAX_SESSIONS', DEFAULT_MAX_SESSIONS),
  }));
}
