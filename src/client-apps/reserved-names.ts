/**
 * The names an app registered by someone else must not imitate: every first-party app's (the
 * seeded sites, the account console, whatever an admin marks first-party) and the sign-in
 * service's own, as its pages show them. A person reads "to continue to <name>" and decides whom
 * to trust with a password from it.
 */
import type { ClientMetadata } from 'oidc-provider';
import type { Storage } from '../storage/types.js';
import type { ClientTrust } from './trust.js';

/**
 * What the IdP's own pages call it: the header and title of views/layout.pug, the page title set
 * in views/home.pug and the account page's heading (views/account.pug). test/integration/
 * client-names.test.ts reads the header and title off the home page, so renaming the brand fails
 * that test until this list follows.
 */
export const SERVICE_NAMES = Object.freeze(['Sign-in service', 'OpenID Provider', 'Your account']);

export interface ReservedNames {
  /** Reserved names, without those of `exceptClientId` (an app is not kept from its own name). */
  list(exceptClientId?: string): Promise<string[]>;
}

/** `client_name` and its language-tagged variants (`client_name#fr`, OpenID Connect Registration 1.0 section 2.1). */
export function clientNamesOf(metadata: Partial<ClientMetadata> | Record<string, unknown>): [key: string, name: unknown][] {
  return Object.entries(metadata).filter(([key]) => key === 'client_name' || key.startsWith('client_name#'));
}

export function createReservedNames(deps: { storage: Storage; trust: ClientTrust; issuer: string }): ReservedNames {
  const clients = deps.storage.modelStore('Client');
  const issuer = new URL(deps.issuer);
  return {
    async list(exceptClientId) {
      const ids = (await deps.trust.listFirstParty()).filter((id) => id !== exceptClientId);
      const firstParty = await Promise.all(ids.map(async (id) => clientNamesOf((await clients.find(id)) ?? {}).map(([, name]) => name)));
      const names = [...SERVICE_NAMES, issuer.host, issuer.hostname, ...firstParty.flat()];
      return [...new Set(names.filter((name): name is string => typeof name === 'string'))];
    },
  };
}
