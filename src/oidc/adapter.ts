/**
 * Bridges our storage to oidc-provider's adapter interface. The one translation: a consume that
 * loses a race (the code or refresh token was used concurrently) becomes OAuth `invalid_grant`
 * instead of a 500.
 */
import { errors, type Adapter, type AdapterFactory, type AdapterPayload as ProviderPayload } from 'oidc-provider';
import { isAppError } from '../errors.js';
import type { AdapterPayload, Storage } from '../storage/types.js';

/**
 * An interaction that someone signed in on (its login result) or that belongs to a session is
 * stored with that account's id too, so ending the account's access can find and delete the
 * sign-ins still on their way (account/end-access.ts).
 */
function withSigningInAccount(payload: AdapterPayload): AdapterPayload {
  const login = (payload.result as { login?: { accountId?: unknown } } | undefined)?.login;
  const accountId = login?.accountId ?? (payload.session as { accountId?: unknown } | undefined)?.accountId;
  return typeof accountId === 'string' ? { ...payload, accountId } : payload;
}

export function createAdapterFactory(storage: Storage): AdapterFactory {
  return (model: string): Adapter => {
    const store = storage.modelStore(model);
    return {
      upsert: (id, payload, expiresIn) => store.upsert(id, model === 'Interaction' ? withSigningInAccount(payload as AdapterPayload) : (payload as AdapterPayload), expiresIn),
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
