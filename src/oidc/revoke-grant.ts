/**
 * Revokes a grant in the store: the grant itself and everything issued on it, in every model that
 * holds grant-bound records (the list oidc-provider's own lib/helpers/revoke.js walks).
 */
import type { Storage } from '../storage/types.js';

export const GRANT_BOUND_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'] as const;

export async function revokeGrant(storage: Storage, grantId: string): Promise<void> {
  await Promise.all(GRANT_BOUND_MODELS.map((model) => storage.modelStore(model).revokeByGrantId(grantId)));
  await storage.modelStore('Grant').destroy(grantId);
}
