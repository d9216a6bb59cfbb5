import { loadSiteConfig, type SiteConfig } from '../shared/site-config.js';

export interface SiteBConfig extends SiteConfig {
  /** This site's API as a resource server (RFC 8707): the `aud` its access tokens must carry. */
  apiResource: string;
}

export function loadSiteBConfig(env: Record<string, string | undefined> = process.env): SiteBConfig {
  const config = loadSiteConfig('SITE_B', { siteUrl: 'http://site-b.localhost:3002', clientId: 'site-b', name: 'Site B' }, env);
  return Object.freeze({ ...config, apiResource: env.SITE_B_API_RESOURCE ?? `${config.siteUrl}/api` });
}
