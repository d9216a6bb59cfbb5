/**
 * loadExistingGrant: first-party clients get what they ask for without a consent page; every
 * other client keeps the grant the person consented to (or none, which brings the consent page).
 */
import type { KoaContextWithOIDC, Grant } from 'oidc-provider';
import type { ClientTrust } from '../client-apps/trust.js';

export function createLoadExistingGrant(trust: ClientTrust) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { oidc } = ctx;
    const client = oidc.client!;
    const session = oidc.session!;
    const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!(await trust.isFirstParty(client.clientId))) return existing;

    const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length > 0) grant.addOIDCClaims(claims);
    const requested = new Set(oidc.requestParamScopes);
    for (const [identifier, server] of Object.entries(oidc.resourceServers ?? {})) {
      const scopes = [...server.scopes].filter((scope) => requested.has(scope));
      if (scopes.length > 0) grant.addResourceScope(identifier, scopes.join(' '));
    }
    await grant.save();
    return grant;
  };
}
