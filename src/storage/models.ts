/**
 * Every model kept through `Storage.modelStore`, known up front so the MongoDB store can build
 * each collection's indexes at start-up (and await them) instead of on first use. A model not
 * listed here is refused by every store, so a new one is noticed in the first test that uses it,
 * not in production when its collection turns out to have no TTL index.
 */
import { AppError } from '../errors.js';

/**
 * The models oidc-provider 9 stores through its adapter: the classes whose static `adapter` it
 * builds with the model's name (node_modules/oidc-provider/lib/models/base_model.js `adapter()`,
 * client.js `static get adapter`). test/unit/stored-models.test.ts checks this list against the
 * installed oidc-provider, so an upgrade that adds a model fails there first.
 */
export const OIDC_PROVIDER_MODELS = Object.freeze([
  'AccessToken',
  'AuthorizationCode',
  'BackchannelAuthenticationRequest',
  'Client',
  'ClientCredentials',
  'DeviceCode',
  'Grant',
  'InitialAccessToken',
  'Interaction',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
  'RefreshToken',
  'RegistrationAccessToken',
  'ReplayDetection',
  'Session',
] as const);

/**
 * Our own records on the same store: first-party trust (client-apps/trust.ts), API grants and
 * token generations (client-apps/api-access.ts), back-channel logouts owed
 * (logout-delivery/deliveries.ts), resource servers (client-apps/resource-servers.ts) and the
 * pointer to the static initial access token (oidc/registration.ts), second factors
 * and recovery codes and authenticator apps being set up (mfa/factors.ts), passkeys, their uses and challenges (mfa/passkeys.ts) and sign-ins waiting for their second factor (mfa/pending-sign-in.ts).
 */
export const OWN_MODELS = Object.freeze(['ClientTrust', 'ClientApiAccess', 'ClientTokenGeneration', 'BackchannelDelivery', 'BackchannelDeliverySettled', 'ResourceServer', 'StaticInitialAccessToken', 'AccountFactors', 'RecoveryCode', 'PendingSecondFactor', 'Passkey', 'PasskeyUse', 'PasskeyChallenge', 'PasskeyAccountChallenge', 'PendingTotp'] as const);

export const STORED_MODELS: readonly string[] = Object.freeze([...OIDC_PROVIDER_MODELS, ...OWN_MODELS]);

export function assertKnownModel(model: string): void {
  if (!STORED_MODELS.includes(model)) {
    throw new AppError('internal', `Unknown storage model "${String(model)}": add it to STORED_MODELS (src/storage/models.ts) so its indexes are built at start-up`);
  }
}
