/**
 * Token and session lifetimes from config. Each one is set explicitly (oidc-provider asks for
 * that) and refresh token rotation never extends a chain past its absolute lifetime.
 */
import type { Configuration } from 'oidc-provider';
import type { TtlConfig } from '../config.js';

/**
 * A session nobody has signed in on: oidc-provider stores one for every visit to /session/end
 * without a session (to carry the sign-out form's check and the RP's state to the confirmation),
 * which anyone can make. It needs minutes, not the signed-in session's day; signing in on it later
 * saves it again with the full lifetime.
 */
export const ANONYMOUS_SESSION_SECONDS = 10 * 60;

export function createTtl(ttl: TtlConfig): NonNullable<Configuration['ttl']> {
  const shortFlowSeconds = 10 * 60;
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
    AuthorizationCode: ttl.authorizationCodeSeconds,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
    IdToken: ttl.idTokenSeconds,
    Interaction: ttl.interactionSeconds,
    Session: (_ctx, session) => (session.accountId ? ttl.sessionSeconds : Math.min(ANONYMOUS_SESSION_SECONDS, ttl.sessionSeconds)),
    Grant: ttl.grantSeconds,
    RefreshToken(ctx) {
      const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
      return rotated ? Math.max(1, rotated.remainingTTL) : ttl.refreshTokenSeconds;
    },
    DeviceCode: shortFlowSeconds,
    BackchannelAuthenticationRequest: shortFlowSeconds,
    PreAuthorizedCode: shortFlowSeconds,
  };
}
