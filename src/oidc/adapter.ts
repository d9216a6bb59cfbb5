/**
 * Bridges our storage to oidc-provider's adapter interface. The one translation: a consume that
 * loses a race (the code or refresh token was used concurrently) becomes OAuth `invalid_grant`
 * instead of a 500.
 */
import { errors, type Adapter, type AdapterFactory, type AdapterPayload as ProviderPayload } from 'oidc-provider';
import { isAppError } from '../errors.js';
import type { AdapterPayload, Storage } from '../storage/types.js';

export function createAdapterFactory(storage: Storage): AdapterFactory {
  return (model: string): Adapter => {
    const store = storage.modelStore(model);
    return {
      upsert: (id, payload, expiresIn) => store.upsert(id, payload as AdapterPayload, expiresIn),
      find: async (id) => (await store.find(id)) as ProviderPayload | undefined,
      findByUid: async (uid) => (await store.findByUid(uid)) as ProviderPayload | undefined,
      findByUserCode: async (userCode) => (await store.findByUserCode(userCode)) as ProviderPayload | undefined,
      async consume(id) {
        try {
          await store.consume(id);
        } catch (error) {
          if (isAppError(error) && error.code === 'already_consumed') throw new errors.InvalidGrant('grant already used');
          throw error;
        }
      },
      destroy: (id) => store.destroy(id),
      revokeByGrantId: (grantId) => store.revokeByGrantId(grantId),
    };
  };
}
