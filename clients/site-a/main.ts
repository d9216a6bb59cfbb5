/**
 * Runs site-a on its own: `npm run site-a`. Configured by ISSUER, SITE_A_URL, SITE_A_CLIENT_ID,
 * SITE_A_CLIENT_SECRET and the other settings in clients/shared/site-config.ts; its state lives in
 * MongoDB when SITE_A_MONGODB_URI is set.
 */
import { runSite } from '../shared/run-site.js';
import { createSiteA } from './app.js';
import { loadSiteAConfig } from './config.js';
import { openSiteAState } from './state.js';

runSite({ name: 'site-a', loadConfig: () => loadSiteAConfig(), openState: (config) => openSiteAState(config), create: (config, options) => createSiteA(config, options) });
