/**
 * What a client application may register (RFC 7591 section 2 metadata), beyond oidc-provider's
 * own schema checks. Applied to dynamic registration, registration updates and the admin CLI.
 * A violation carries the RFC 7591 section 3.2.2 error code and a description for developers.
 *
 * Two kinds of client: those that sign people in through a browser (authorization_code, with
 * redirect URIs), and machine clients that only use client_credentials (RFC 6749 section 4.4):
 * no redirect URIs and `response_types: []` (RFC 7591 section 2.1), confidential only. A client
 * may be both. Only an admin registers client_credentials. Those rules are in grant-policy.ts.
 */
import type { ClientMetadata } from 'oidc-provider';
import { isLoopbackHost } from '../http/loopback-resolver.js';
import { clientNameProblem } from './client-name.js';
import { checkGrants, checkMachineUris, checkRegistrant, isMachineOnly } from './grant-policy.js';
import { isOneOf, listOf, violation, type PolicyViolation } from './policy-violation.js';
import { clientNamesOf, type ReservedNames } from './reserved-names.js';

export type { PolicyViolation } from './policy-violation.js';

export interface PolicyOptions {
  /** http:// redirect URIs on loopback and *.localhost names: development and the demo only. */
  allowHttpLoopback: boolean;
}

export const LIMITS = Object.freeze({ uris: 10, uriLength: 2000, nameLength: 200, contacts: 10, contactLength: 254 });
export const SUPPORTED_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

type UriKind = 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri' | (typeof FETCHED_URIS)[number];

/**
 * URIs the IdP itself fetches (RFC 7591 section 2 jwks_uri; OpenID Connect Registration 1.0
 * section 5 sector_identifier_uri): the same rules as redirect URIs, so a registration can't
 * point the IdP's outgoing requests at http hosts, credentials or fragments.
 */
const FETCHED_URIS = ['jwks_uri', 'sector_identifier_uri'] as const;

/**
 * URIs shown to people or handed to browsers, never fetched by the IdP (RFC 7591 section 2; OpenID
 * Connect Registration 1.0 section 2), each also in language-tagged variants (`logo_uri#ja`).
 * oidc-provider checks they are http(s) URLs; here, like every URI a client registers, at most
 * 2,000 characters and with no credentials: without a bound, one registration stored ~50 KB of
 * them (found by an attacking review).
 */
const DISPLAYED_URIS: readonly string[] = ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri', 'initiate_login_uri'];

function checkDisplayedUris(metadata: Partial<ClientMetadata>): PolicyViolation | undefined {
  for (const [key, value] of Object.entries(metadata)) {
    if (!DISPLAYED_URIS.includes(key.split('#', 1)[0]!) || typeof value !== 'string') continue; // the engine answers a non-string
    const problem = uriTextProblem(value, key);
    if (problem) return violation('invalid_client_metadata', problem);
    const url = URL.parse(value);
    if (url && (url.username || url.password)) return violation('invalid_client_metadata', `${key} must not contain credentials`);
  }
  return undefined;
}

/**
 * A URI as RFC 3986 spells it: visible ASCII only. A browser is sent to a URI parsed from what was
 * registered, dropping tabs and line breaks and escaping the rest, so a redirect URI with a tab or
 * CRLF was matched as registered while people were sent somewhere spelled otherwise
 * (`https://login.site-a.example<TAB>.evil.example/cb`: found by an attacking review).
 */
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/** What every URI a client registers must be as text: `subject` names it in the answer. */
function uriTextProblem(value: string, subject: string): string | undefined {
  if (value.length > LIMITS.uriLength) return `${subject} must be at most ${LIMITS.uriLength} characters`;
  if (!PRINTABLE_ASCII.test(value)) return `${subject} must be printable ASCII, with spaces and other characters percent-encoded (RFC 3986)`;
  return undefined;
}

function checkUri(value: unknown, field: UriKind, applicationType: string, options: PolicyOptions): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${field} entries must be non-empty strings`;
  const textProblem = uriTextProblem(value, `${field} entries`);
  if (textProblem) return textProblem;
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

function checkBrowserUris(metadata: Partial<ClientMetadata>, applicationType: string, options: PolicyOptions): PolicyViolation | undefined {
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
  if (metadata.backchannel_logout_uri === undefined) return undefined;
  const problem = checkUri(metadata.backchannel_logout_uri, 'backchannel_logout_uri', 'web', options);
  return problem ? violation('invalid_client_metadata', problem) : undefined;
}

export function checkClientPolicy(metadata: Partial<ClientMetadata>, options: PolicyOptions): PolicyViolation | undefined {
  const applicationType = typeof metadata.application_type === 'string' ? metadata.application_type : 'web';
  const uriProblem = isMachineOnly(metadata) ? checkMachineUris(metadata) : checkBrowserUris(metadata, applicationType, options);
  if (uriProblem) return uriProblem;
  for (const field of FETCHED_URIS) {
    if (metadata[field] === undefined) continue;
    const problem = checkUri(metadata[field], field, 'web', options);
    if (problem) return violation('invalid_client_metadata', problem);
  }

  if (!isOneOf(metadata.token_endpoint_auth_method ?? 'client_secret_basic', SUPPORTED_AUTH_METHODS)) {
    return violation('invalid_client_metadata', `token_endpoint_auth_method must be one of ${SUPPORTED_AUTH_METHODS.join(', ')}`);
  }
  const grantProblem = checkGrants(metadata);
  if (grantProblem) return grantProblem;
  const contacts = listOf(metadata.contacts);
  if (!contacts || contacts.length > LIMITS.contacts) return violation('invalid_client_metadata', `contacts may list at most ${LIMITS.contacts} addresses`);
  // An address is at most 254 characters (RFC 5321 section 4.5.3.1's path limit, less its brackets).
  if (contacts.some((contact) => typeof contact === 'string' && contact.length > LIMITS.contactLength)) {
    return violation('invalid_client_metadata', `contacts entries must be at most ${LIMITS.contactLength} characters`);
  }
  return checkDisplayedUris(metadata);
}

/**
 * The names in `metadata` (client_name and its language-tagged variants) against the character
 * rules and the reserved names. A name the client already has (`current`, on an update) may stay.
 */
export function checkClientNames(metadata: Partial<ClientMetadata>, reserved: readonly string[], current: Partial<ClientMetadata> = {}): PolicyViolation | undefined {
  for (const [key, name] of clientNamesOf(metadata)) {
    if (typeof name !== 'string') continue; // oidc-provider's schema answers a non-string name
    if (name.length > LIMITS.nameLength) return { error: 'invalid_client_metadata', description: `${key} must be at most ${LIMITS.nameLength} characters` };
    const kept = (current as Record<string, unknown>)[key] === name;
    const problem = clientNameProblem(name, kept ? [] : reserved);
    if (problem) return { error: 'invalid_client_metadata', description: `${key} ${problem}` };
  }
  return undefined;
}

export interface RegistrationContext {
  /** Who registers: an admin (CLI, demo seed) or the app itself (RFC 7591 registration, RFC 7592 updates). */
  by: 'admin' | 'app';
  /** Set by an admin only; a first-party app may carry a reserved name (it is one of them). */
  firstParty: boolean;
  /** The stored metadata of the client being updated. */
  current?: Partial<ClientMetadata>;
}

export interface RegistrationPolicy {
  check(metadata: Partial<ClientMetadata>, context: RegistrationContext): Promise<PolicyViolation | undefined>;
}

export function createRegistrationPolicy(deps: PolicyOptions & { reservedNames: ReservedNames }): RegistrationPolicy {
  return {
    async check(metadata, context) {
      const violation = checkRegistrant(metadata, context.by) ?? checkClientPolicy(metadata, deps);
      if (violation) return violation;
      const clientId = typeof metadata.client_id === 'string' ? metadata.client_id : undefined;
      const reserved = context.firstParty ? [] : await deps.reservedNames.list(clientId);
      return checkClientNames(metadata, reserved, context.current);
    },
  };
}
