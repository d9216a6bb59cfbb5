/**
 * Adds client applications to the store. Metadata is validated by oidc-provider's own client
 * schema first, so whatever is stored here loads again later (the same checks dynamic
 * registration runs).
 */
import type { ClientMetadata, Provider } from 'oidc-provider';
import { AppError } from '../errors.js';
import { jsonObject } from '../json-object.js';
import type { Storage } from '../storage/types.js';
import type { ClientTrust } from './trust.js';

export interface ClientRegistry {
  /**
   * `ifVersion`: the version read with the metadata being changed (findVersioned); the write is
   * made only if the stored client is still that one, else AppError `conflict`. An admin change
   * based on a read that a secret rotation or a deletion overtook would otherwise put the old
   * secret back or revive the deleted client (found by an attacking review, on MongoDB).
   * `ifAbsent`: a create, written only if no client has this id yet, else AppError `conflict`.
   */
  save(metadata: ClientMetadata, options: { firstParty: boolean; ifVersion?: string; ifAbsent?: boolean }): Promise<ClientMetadata>;
  find(clientId: string): Promise<ClientMetadata | undefined>;
  /** The client with its version: its stored JSON text, which every write changes. */
  findVersioned(clientId: string): Promise<{ metadata: ClientMetadata; version: string } | undefined>;
  isFirstParty(clientId: string): Promise<boolean>;
  list(): Promise<ClientMetadata[]>;
  /** One page of clients by client_id, after `after` (OidcModelStore's page). */
  page(query: { limit: number; after?: string }): Promise<ClientMetadata[]>;
  remove(clientId: string): Promise<void>;
}

export function createClientRegistry(provider: () => Provider, storage: Storage, trust: ClientTrust): ClientRegistry {
  const records = storage.modelStore('Client');
  return {
    async save(metadata, { firstParty, ifVersion, ifAbsent }) {
      await provider().Client.validate(metadata);
      if (ifAbsent) {
        if (!(await records.insertIfAbsent(metadata.client_id, { ...metadata }))) throw new AppError('conflict', `A client with id "${metadata.client_id}" already exists`);
      } else if (ifVersion === undefined) await records.upsert(metadata.client_id, { ...metadata });
      else if (!(await records.replaceIfUnchanged(metadata.client_id, ifVersion, { ...metadata }))) {
        throw new AppError('conflict', `Client "${metadata.client_id}" was changed or deleted meanwhile: read it again and retry`);
      }
      await trust.setFirstParty(metadata.client_id, firstParty);
      return metadata;
    },
    async find(clientId) {
      return (await records.find(clientId)) as ClientMetadata | undefined;
    },
    async findVersioned(clientId) {
      const version = await records.findJson(clientId);
      if (version === undefined) return undefined;
      const metadata = jsonObject(version);
      return metadata ? { metadata: metadata as unknown as ClientMetadata, version } : undefined;
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
