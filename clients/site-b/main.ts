/**
 * Runs site-b on its own: `npm run site-b`. Configured by ISSUER, SITE_B_URL, SITE_B_CLIENT_ID,
 * SITE_B_CLIENT_SECRET and the other settings in clients/shared/site-config.ts; its state lives in
 * MongoDB when SITE_B_MONGODB_URI is set.
 */
import { runSite } from '../shared/run-site.js';
import { createSiteB } from './app.js';
import { loadSiteBConfig } from './config.js';
import { openSiteBState } from './state.js';

runSite({ name: 'site-b', loadConfig: () => loadSiteBConfig(), openState: (config) => openSiteBState(config), create: (config, options) => createSiteB(config, options) });
