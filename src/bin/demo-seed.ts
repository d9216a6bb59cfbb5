/**
 * Demo data: two people and the two sample sites as first-party clients, plus site-b's API as a
 * resource server. Idempotent, so a persistent store can be seeded at every start.
 */
import { API_SCOPE, STATUS_SCOPE } from '../../clients/site-b/app.js';
import { hashPassword } from '../accounts/passwords.js';
import { addClientApp } from '../client-apps/client-apps.js';
import type { Idp } from '../idp.js';
import { managementApiIdentifier, MANAGEMENT_SCOPES } from '../management/management-api.js';

export const DEMO_ACCOUNTS = [
  { email: 'alice@example.com', password: 'wonderland', name: 'Alice Liddell', givenName: 'Alice', familyName: 'Liddell' },
  { email: 'bob@example.com', password: 'builder', name: 'Bob Builder', givenName: 'Bob', familyName: 'Builder' },
] as const;

export interface DemoSite {
  clientId: string;
  clientSecret: string;
  siteUrl: string;
  name: string;
}

export async function seedDemo(idp: Idp, sites: { siteA: DemoSite; siteB: DemoSite & { apiResource: string } }): Promise<void> {
  for (const person of DEMO_ACCOUNTS) {
    if (await idp.storage.accounts.findByEmail(person.email)) continue;
    // Straight to the store: "builder" is shorter than the password policy allows, on purpose,
    // because these two passwords come from the issue that specified the demo.
    await idp.storage.accounts.create({
      email: person.email,
      name: person.name,
      givenName: person.givenName,
      familyName: person.familyName,
      emailVerified: true,
      passwordHash: await hashPassword(person.password),
    });
  }
  // The same path as `npm run admin -- clients add --first-party` (policy and schema checks).
  for (const site of [sites.siteA, sites.siteB]) {
    await addClientApp(
      idp,
      {
        id: site.clientId,
        secret: site.clientSecret,
        name: site.name,
        redirectUris: [`${site.siteUrl}/callback`],
        postLogoutRedirectUris: [`${site.siteUrl}/signed-out`],
        backchannelLogoutUri: `${site.siteUrl}/backchannel-logout`,
        firstParty: true,
      },
      { replace: true },
    );
  }
  // api:read for /api/me (a person's token), api:status for /api/status (a machine's, client_credentials).
  await idp.resourceServers.save({ identifier: sites.siteB.apiResource, name: `${sites.siteB.name} API`, scope: `${API_SCOPE} ${STATUS_SCOPE}`, clientId: sites.siteB.clientId });
}

export const DEMO_ADMIN_CLIENT_ID = 'demo-admin';

/**
 * The demo's admin client, so `npm run admin` works against the running demo (its store lives in
 * that process): client_credentials, every Management API scope, a fresh secret at every start
 * (its earlier tokens stop working: a persistent store may hold the last run's).
 */
export async function seedDemoAdmin(idp: Idp, secret: string): Promise<{ clientId: string; clientSecret: string }> {
  await addClientApp(idp, { id: DEMO_ADMIN_CLIENT_ID, secret, name: 'Demo admin', grants: ['client_credentials'] }, { replace: true });
  await idp.apiAccess.setGrant(DEMO_ADMIN_CLIENT_ID, { resource: managementApiIdentifier(idp.config.issuer), scopes: [...MANAGEMENT_SCOPES] });
  await idp.apiAccess.bumpGeneration(DEMO_ADMIN_CLIENT_ID);
  return { clientId: DEMO_ADMIN_CLIENT_ID, clientSecret: secret };
}
