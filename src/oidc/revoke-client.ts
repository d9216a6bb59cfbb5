/**
 * What a deleted client leaves behind is deleted with it: every grant people gave it and every
 * token, code and request issued to it. Left in the store, they would come back to life if a client
 * were created again under the same id (an admin "deleting and re-creating the app" to start
 * afresh), and a resource server introspecting one would meet a token whose client is gone.
 */
import type { Storage } from '../storage/types.js';

/** The models whose records name the client they were issued to (`clientId`). */
export const CLIENT_BOUND_MODELS = [
  'Grant',
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
  'RegistrationAccessToken',
] as const;

export async function revokeClientRecords(storage: Storage, clientId: string): Promise<void> {
  await Promise.all(CLIENT_BOUND_MODELS.map((model) => storage.modelStore(model).revokeByClientId(clientId)));
}
