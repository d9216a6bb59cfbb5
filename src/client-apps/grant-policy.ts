/**
 * Which grant types a client may register (RFC 7591 section 2), and what they bring with them.
 * authorization_code (with refresh_token) is for apps that sign people in through a browser;
 * client_credentials (RFC 6749 section 4.4) for a client acting as itself. A client with only
 * client_credentials is a machine client: confidential, `response_types: []` (RFC 7591 section
 * 2.1), none of a browser client's URIs. Part of the registration policy (registration-policy.ts).
 */
import type { ClientMetadata } from 'oidc-provider';
import { isOneOf, listOf, violation, type PolicyViolation } from './policy-violation.js';

export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
/** What a browser client gets unless it asks otherwise (refresh tokens only come with a code). */
export const BROWSER_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
/** URIs only a client that sends people's browsers here has any use for. */
const BROWSER_URIS = ['redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri'] as const;

/** client_credentials without authorization_code: a client that never sends a browser here. */
export function isMachineOnly(metadata: Partial<ClientMetadata>): boolean {
  const grants = metadata.grant_types;
  return Array.isArray(grants) && grants.includes('client_credentials') && !grants.includes('authorization_code');
}

/**
 * The grant types, and with them the response types (RFC 7591 section 2.1). An omitted
 * grant_types is RFC 7591's default, authorization_code: a client that says nothing is a
 * browser client, held to every rule it always was.
 */
export function checkGrants(metadata: Partial<ClientMetadata>): PolicyViolation | undefined {
  const grants = listOf(metadata.grant_types);
  if (!grants || grants.some((grant) => !isOneOf(grant, SUPPORTED_GRANT_TYPES))) {
    return violation('invalid_client_metadata', `grant_types may only contain ${SUPPORTED_GRANT_TYPES.join(', ')}`);
  }
  if (grants.includes('client_credentials') && metadata.token_endpoint_auth_method === 'none') {
    return violation('invalid_client_metadata', 'client_credentials is for confidential clients only (RFC 6749 section 4.4): choose a token_endpoint_auth_method other than none');
  }
  if (!isMachineOnly(metadata)) return undefined;
  // Omitted, oidc-provider reads response_types as ["code"], quietly adds authorization_code and
  // asks for redirect URIs: a machine client would silently become a browser one.
  if (!Array.isArray(metadata.response_types) || metadata.response_types.length > 0) {
    return violation('invalid_client_metadata', 'a client_credentials client without authorization_code registers response_types [] (RFC 7591 section 2.1)');
  }
  if (grants.includes('refresh_token')) {
    return violation('invalid_client_metadata', 'refresh_token comes only with authorization_code: client_credentials never issues one (RFC 6749 section 4.4.3)');
  }
  return undefined;
}

/** A machine client sends no browser here: none of a browser client's URIs, instead of at least one redirect URI. */
export function checkMachineUris(metadata: Partial<ClientMetadata>): PolicyViolation | undefined {
  for (const field of BROWSER_URIS) {
    const value = metadata[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    return violation(field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', `${field} is for clients that sign people in (authorization_code); a client_credentials-only client has none`);
  }
  return undefined;
}

/**
 * client_credentials is registered by an admin only. A browser app reaches a person's data only
 * after that person consents, which is why apps may register themselves (as third-party apps,
 * always asked). A client_credentials client gets tokens for every registered API with no person
 * asked at all: trust of the kind only an admin grants, as only an admin makes an app
 * first-party. An initial access token lets an app register; it is not meant to hand out API
 * access by itself.
 */
export function checkRegistrant(metadata: Partial<ClientMetadata>, by: 'admin' | 'app'): PolicyViolation | undefined {
  if (by === 'admin' || !Array.isArray(metadata.grant_types) || !metadata.grant_types.includes('client_credentials')) return undefined;
  return violation('invalid_client_metadata', 'client_credentials clients are registered by an admin (npm run admin -- clients add --grant client_credentials), not through dynamic registration');
}
