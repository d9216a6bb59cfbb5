/**
 * What a client application may register (RFC 7591 section 2 metadata), beyond oidc-provider's
 * own schema checks. Applied to dynamic registration, registration updates and the admin CLI.
 * A violation carries the RFC 7591 section 3.2.2 error code and a description for developers.
 */
import type { ClientMetadata } from 'oidc-provider';
import { isLoopbackHost } from '../http/loopback-resolver.js';

export interface PolicyViolation {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  description: string;
}

export interface PolicyOptions {
  /** http:// redirect URIs on loopback and *.localhost names: development and the demo only. */
  allowHttpLoopback: boolean;
}

export const LIMITS = Object.freeze({ uris: 10, uriLength: 2000, nameLength: 200, contacts: 10 });
export const SUPPORTED_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

type UriKind = 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri';

function checkUri(value: unknown, field: UriKind, applicationType: string, options: PolicyOptions): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${field} entries must be non-empty strings`;
  if (value.length > LIMITS.uriLength) return `${field} entries must be at most ${LIMITS.uriLength} characters`;
  if (value.includes('*')) return `${field} must not contain wildcards: every URI is matched exactly`;
  const url = URL.parse(value);
  if (!url) return `${field} entry "${value}" is not an absolute URI`;
  if (url.hash || value.includes('#')) return `${field} entry "${value}" must not contain a fragment`;
  if (url.username || url.password) return `${field} entry "${value}" must not contain credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    // RFC 8252 section 7.3: native apps may use http on a loopback IP literal, any port.
    if (applicationType === 'native' && field === 'redirect_uris' && ['127.0.0.1', '[::1]'].includes(url.hostname)) return undefined;
    if (options.allowHttpLoopback && isLoopbackHost(url.hostname)) return undefined;
    return `${field} entry "${value}" must use https${options.allowHttpLoopback ? ' (http is allowed only for loopback and *.localhost hosts)' : ''}`;
  }
  // RFC 8252 section 7.1: private-use URI schemes in reverse domain-name form, native apps only.
  if (applicationType === 'native' && field === 'redirect_uris' && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined;
  return `${field} entry "${value}" uses a scheme that is not allowed here`;
}

function listOf(value: unknown): unknown[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : undefined;
}

export function checkClientPolicy(metadata: Partial<ClientMetadata>, options: PolicyOptions): PolicyViolation | undefined {
  const applicationType = typeof metadata.application_type === 'string' ? metadata.application_type : 'web';
  const violation = (error: PolicyViolation['error'], description: string): PolicyViolation => ({ error, description });

  const redirectUris = listOf(metadata.redirect_uris);
  if (!redirectUris || redirectUris.length === 0) return violation('invalid_redirect_uri', 'redirect_uris must list at least one URI');
  if (redirectUris.length > LIMITS.uris) return violation('invalid_redirect_uri', `redirect_uris may list at most ${LIMITS.uris} URIs`);
  for (const uri of redirectUris) {
    const problem = checkUri(uri, 'redirect_uris', applicationType, options);
    if (problem) return violation('invalid_redirect_uri', problem);
  }

  const postLogout = listOf(metadata.post_logout_redirect_uris);
  if (!postLogout || postLogout.length > LIMITS.uris) return violation('invalid_client_metadata', `post_logout_redirect_uris must be an array of at most ${LIMITS.uris} URIs`);
  for (const uri of postLogout) {
    const problem = checkUri(uri, 'post_logout_redirect_uris', applicationType, options);
    if (problem) return violation('invalid_client_metadata', problem);
  }
  if (metadata.backchannel_logout_uri !== undefined) {
    const problem = checkUri(metadata.backchannel_logout_uri, 'backchannel_logout_uri', 'web', options);
    if (problem) return violation('invalid_client_metadata', problem);
  }

  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(SUPPORTED_AUTH_METHODS as readonly string[]).includes(String(method))) {
    return violation('invalid_client_metadata', `token_endpoint_auth_method must be one of ${SUPPORTED_AUTH_METHODS.join(', ')}`);
  }
  const grants = listOf(metadata.grant_types);
  if (!grants || grants.some((grant) => !(SUPPORTED_GRANT_TYPES as readonly string[]).includes(String(grant)))) {
    return violation('invalid_client_metadata', `grant_types may only contain ${SUPPORTED_GRANT_TYPES.join(', ')}`);
  }
  if (typeof metadata.client_name === 'string' && metadata.client_name.length > LIMITS.nameLength) {
    return violation('invalid_client_metadata', `client_name must be at most ${LIMITS.nameLength} characters`);
  }
  const contacts = listOf(metadata.contacts);
  if (!contacts || contacts.length > LIMITS.contacts) return violation('invalid_client_metadata', `contacts may list at most ${LIMITS.contacts} addresses`);
  return undefined;
}
