/**
 * Consent: turns what the person approved on the consent page into a Grant. Only what the
 * provider reported missing is added, so a grant never widens beyond the request.
 */
import type { Provider } from 'oidc-provider';

export interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

export async function grantConsent(
  provider: Provider,
  interaction: { accountId: string; clientId: string; grantId?: string; details: ConsentDetails },
): Promise<string> {
  const grant =
    (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
    new provider.Grant({ accountId: interaction.accountId, clientId: interaction.clientId });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.details;
  if (missingOIDCScope?.length) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims?.length) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
