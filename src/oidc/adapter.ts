/**
 * Bridges our storage to oidc-provider's adapter interface. A consume that loses a race (the code
 * or refresh token was used twice at the same moment) revokes the grant it belongs to and becomes
 * OAuth `invalid_grant`: oidc-provider revokes on a reuse it sees (the record already consumed
 * when loaded), but two simultaneous uses both load it unconsumed, and that is exactly the replay
 * (an attacker racing the real client) that RFC 6749 section 4.1.2 and RFC 9700 section 4.14.2
 * say to answer by revoking everything issued on it.
 */
import { errors, type Adapter, type AdapterFactory, type AdapterPayload as ProviderPayload } from 'oidc-provider';
import { isAppError } from '../errors.js';
import type { AdapterPayload, Storage } from '../storage/types.js';
import { deleteClient, findRegistrationAccessToken, writeClient, writeRegistrationAccessToken } from './registration-writes.js';
import { revokeGrant } from './revoke-grant.js';

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

/**
 * The most JSON text one record may have in the models a stranger fills without signing in:
 * interactions (each /auth), pushed authorization requests (each /request) and sessions nobody
 * signed in on (each /session/end). Their size is the stranger's to choose (state, nonce, claims,
 * login_hint, ...: a 16 KB request line of control characters is ~100 KB of JSON, twice that in
 * memory for text beyond Latin-1), and the per-address limits and caps count records, not bytes.
 * A real authorization request stores 1-3 KB.
 */
export const MAX_STRANGER_RECORD_CHARS = 16 * 1024;
const STRANGER_RECORD_BOUNDS = Object.freeze({ maxChars: MAX_STRANGER_RECORD_CHARS });

function strangerFilled(model: string, payload: AdapterPayload): boolean {
  return model === 'Interaction' || model === 'PushedAuthorizationRequest' || (model === 'Session' && !payload.accountId);
}

export function createAdapterFactory(storage: Storage): AdapterFactory {
  return (model: string): Adapter => {
    const store = storage.modelStore(model);
    const clients = storage.modelStore('Client');
    return {
      upsert: (id, payload, expiresIn) => {
        if (model === 'Client') return writeClient(store, id, payload as AdapterPayload);
        if (model === 'RegistrationAccessToken') return writeRegistrationAccessToken(store, clients, id, payload as AdapterPayload, expiresIn);
        const record = model === 'Interaction' ? withSigningInAccount(payload as AdapterPayload) : (payload as AdapterPayload);
        if (!strangerFilled(model, record)) return store.upsert(id, record, expiresIn);
        // The store measures the JSON it writes: serialised once, not once more here (issue 10).
        return store.upsert(id, record, expiresIn, STRANGER_RECORD_BOUNDS).catch((error: unknown) => {
          throw isAppError(error) && error.code === 'too_large' ? new errors.InvalidRequest('the request is too large') : error;
        });
      },
      // The store's own promises, passed on: an async wrapper would add a promise (and, with
      // oidc-provider's AsyncLocalStorage on, its hooks) to every read (issue 10).
      find: (id) => (model === 'RegistrationAccessToken' ? findRegistrationAccessToken(store, clients, id) : store.find(id)) as Promise<ProviderPayload | undefined>,
      findByUid: (uid) => store.findByUid(uid) as Promise<ProviderPayload | undefined>,
      findByUserCode: (userCode) => store.findByUserCode(userCode) as Promise<ProviderPayload | undefined>,
      async consume(id) {
        try {
          await store.consume(id);
        } catch (error) {
          if (!isAppError(error) || error.code !== 'already_consumed') throw error;
          const grantId = (await store.find(id))?.grantId;
          if (typeof grantId === 'string') await revokeGrant(storage, grantId);
          throw new errors.InvalidGrant('grant already used');
        }
      },
      destroy: (id) => (model === 'Client' ? deleteClient(store, id) : store.destroy(id)),
      revokeByGrantId: (grantId) => store.revokeByGrantId(grantId),
    };
  };
}
