/**
 * Demo data: two people and the two sample sites as first-party clients, plus site-b's API as a
 * resource server. Idempotent, so a persistent store can be seeded at every start.
 */
import { hashPassword } from '../accounts/passwords.js';
import type { Idp } from '../idp.js';

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
  for (const site of [sites.siteA, sites.siteB]) {
    await idp.clients.save(
      {
        client_id: site.clientId,
        client_secret: site.clientSecret,
        client_name: site.name,
        redirect_uris: [`${site.siteUrl}/callback`],
        post_logout_redirect_uris: [`${site.siteUrl}/signed-out`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      { firstParty: true },
    );
  }
  await idp.resourceServers.save({ identifier: sites.siteB.apiResource, name: `${sites.siteB.name} API`, scope: 'api:read' });
}
