/**
 * `npm start`: the identity provider and both sample sites in one process, on
 * idp.localhost:3000, site-a.localhost:3001 and site-b.localhost:3002.
 */
import { randomBytes } from 'node:crypto';
import { loadSiteAConfig } from '../../clients/site-a/config.js';
import { createSiteA } from '../../clients/site-a/app.js';
import { openSiteAState } from '../../clients/site-a/state.js';
import { loadSiteBConfig } from '../../clients/site-b/config.js';
import { createSiteB } from '../../clients/site-b/app.js';
import { openSiteBState } from '../../clients/site-b/state.js';
import { demoEnvironment, loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createLoopbackFetch } from '../http/loopback-resolver.js';
import { listen } from '../http/listen.js';
import { listenIdp } from '../http/listen-idp.js';
import { createIdp } from '../idp.js';
import { DEMO_ACCOUNTS, seedDemo, seedDemoAdmin } from './demo-seed.js';
import { runMain } from './run-main.js';

runMain(async () => {
  const env = demoEnvironment();
  const secret = () => randomBytes(24).toString('base64url');
  const siteAConfig = loadSiteAConfig({ SITE_A_CLIENT_SECRET: secret(), ...env });
  const siteBConfig = loadSiteBConfig({ SITE_B_CLIENT_SECRET: secret(), ...env });
  // The IdP may call exactly these two sites on loopback (back-channel logout), wherever they run.
  const config = loadConfig({ DEMO_SITE_ORIGINS: `${siteAConfig.siteUrl},${siteBConfig.siteUrl}`, ...env });
  if (config.issuer !== siteAConfig.issuer) {
    throw new AppError('invalid_config', `The sites would look for the IdP at ${siteAConfig.issuer}, but it runs at ${config.issuer}`, { expose: true });
  }

  const idp = await createIdp(config);
  await seedDemo(idp, {
    siteA: siteAConfig,
    siteB: siteBConfig,
  });
  const admin = await seedDemoAdmin(idp, secret());
  const fetch = createLoopbackFetch();
  // Memory, or MongoDB when SITE_A_MONGODB_URI / SITE_B_MONGODB_URI say so.
  const [stateA, stateB] = [await openSiteAState(siteAConfig), await openSiteBState(siteBConfig)];
  const siteA = createSiteA(siteAConfig, { fetch, state: stateA });
  const siteB = createSiteB(siteBConfig, { fetch, state: stateB });

  const servers = [
    await listenIdp(idp.app.callback(), config),
    await listen(siteA.app.callback(), siteAConfig.port, siteAConfig.host, { refusals: siteA.refusals }),
    await listen(siteB.app.callback(), siteBConfig.port, siteBConfig.host, { refusals: siteB.refusals }),
  ];

  console.log(`
  Identity provider  ${config.issuer}
  site-a (sessions)  ${siteAConfig.siteUrl}
  site-b (JWT)       ${siteBConfig.siteUrl}

  Demo accounts:
${DEMO_ACCOUNTS.map((a) => `    ${a.email.padEnd(20)} password: ${a.password}`).join('\n')}

  Open site-a, press "Sign in", then open site-b in the same browser. Ctrl+C stops all three.

  Register another app (dynamic client registration, RFC 7591) with this initial access token:
    ${config.initialAccessToken ?? '(none: INITIAL_ACCESS_TOKEN is empty)'}
  See "Registering apps" in README.md.

  The admin CLI works on this running demo: paste these lines into another terminal, then run
  for example npm run admin -- clients list (see "Admin CLI" in README.md):
    export SSO_ADMIN_ISSUER=${config.issuer}
    export SSO_ADMIN_CLIENT_ID=${admin.clientId}
    export SSO_ADMIN_CLIENT_SECRET=${admin.clientSecret}
`);

  return { servers, stop: async () => void (await Promise.all([idp.close(), stateA.close(), stateB.close()])) };
});
