/**
 * Token and session lifetimes from config. Each one is set explicitly (oidc-provider asks for
 * that) and refresh token rotation never extends a chain past its absolute lifetime.
 */
import type { Configuration } from 'oidc-provider';
import type { TtlConfig } from '../config.js';

export function createTtl(ttl: TtlConfig): NonNullable<Configuration['ttl']> {
  const shortFlowSeconds = 10 * 60;
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
    AuthorizationCode: ttl.authorizationCodeSeconds,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
    IdToken: ttl.idTokenSeconds,
    Interaction: ttl.interactionSeconds,
    Session: ttl.sessionSeconds,
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
