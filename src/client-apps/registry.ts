/**
 * Adds client applications to the store. Metadata is validated by oidc-provider's own client
 * schema first, so whatever is stored here loads again later (the same checks dynamic
 * registration runs).
 */
import type { ClientMetadata, Provider } from 'oidc-provider';
import type { Storage } from '../storage/types.js';
import type { ClientTrust } from './trust.js';

export interface ClientRegistry {
  save(metadata: ClientMetadata, options: { firstParty: boolean }): Promise<ClientMetadata>;
  find(clientId: string): Promise<ClientMetadata | undefined>;
  isFirstParty(clientId: string): Promise<boolean>;
  list(): Promise<ClientMetadata[]>;
  /** One page of clients by client_id, after `after` (OidcModelStore's page). */
  page(query: { limit: number; after?: string }): Promise<ClientMetadata[]>;
  remove(clientId: string): Promise<void>;
}

export function createClientRegistry(provider: () => Provider, storage: Storage, trust: ClientTrust): ClientRegistry {
  const records = storage.modelStore('Client');
  return {
    async save(metadata, { firstParty }) {
      await provider().Client.validate(metadata);
      await records.upsert(metadata.client_id, { ...metadata });
      await trust.setFirstParty(metadata.client_id, firstParty);
      return metadata;
    },
    async find(clientId) {
      return (await records.find(clientId)) as ClientMetadata | undefined;
    },
    isFirstParty: (clientId) => trust.isFirstParty(clientId),
    async list() {
      return (await records.list()).map((record) => record.payload as ClientMetadata);
    },
    async page(query) {
      return (await records.page(query)).map((record) => record.payload as ClientMetadata);
    },
    async remove(clientId) {
      await records.destroy(clientId);
      await trust.setFirstParty(clientId, false);
    },
  };
}
