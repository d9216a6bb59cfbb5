/**
 * Which clients are first-party (skip the consent page). Kept apart from client metadata on
 * purpose: a client registering itself dynamically can't claim to be first-party, only the
 * admin path that writes here can.
 */
import type { Storage } from '../storage/types.js';

const MODEL = 'ClientTrust';

export interface ClientTrust {
  isFirstParty(clientId: string): Promise<boolean>;
  setFirstParty(clientId: string, firstParty: boolean): Promise<void>;
  /** Every first-party client id: their names are reserved (see reserved-names.ts). */
  listFirstParty(): Promise<string[]>;
}

export function createClientTrust(storage: Storage): ClientTrust {
  const records = storage.modelStore(MODEL);
  return {
    async isFirstParty(clientId) {
      return (await records.find(clientId))?.firstParty === true;
    },
    async setFirstParty(clientId, firstParty) {
      if (firstParty) await records.upsert(clientId, { firstParty: true });
      else await records.destroy(clientId);
    },
    async listFirstParty() {
      return (await records.list()).filter((record) => record.payload.firstParty === true).map((record) => record.id);
    },
  };
}
