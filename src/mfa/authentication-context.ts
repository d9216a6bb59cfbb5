/**
 * What the ID token says about how the person signed in: `amr` values from RFC 8176 section 2
 * and one `acr` value of our own, listed in discovery's acr_values_supported.
 */
import { isPlainObject, jsonObject } from '../json-object.js';

/** Two factors: a password and a second factor (authenticator app, recovery code or passkey), or a passkey that verified the person. */
export const ACR_TWO_FACTORS = 'urn:sso:acr:2fa';

/** Every acr value the IdP issues; a password-only sign-in carries none, as before second factors. */
export const ACR_VALUES = Object.freeze([ACR_TWO_FACTORS]);

/** Password and an authenticator-app code (RFC 6238): `otp`, and `mfa` for more than one factor. */
export const AMR_PASSWORD_AND_TOTP = Object.freeze(['pwd', 'otp', 'mfa']);
/**
 * Password and a recovery code. A recovery code is a one-time password in RFC 8176's own words
 * ("otp: use of a one-time password"), and no registered value fits better (`kba` means
 * knowledge-based questions), so it is `otp` too; the audit trail tells the two apart
 * (`sign_in.second_factor` with detail.factor).
 */
export const AMR_PASSWORD_AND_RECOVERY_CODE = Object.freeze(['pwd', 'otp', 'mfa']);

/**
 * A passkey: `hwk` for a key bound to one authenticator, `swk` for a synced one (its private key
 * is held in software across devices), RFC 8176 section 2. After a password: `pwd` too, and `mfa`.
 * On its own it verified the person (user verification is required then): `user` for that test
 * (RFC 8176 has no value for "PIN or biometric, we can't tell which"), and `mfa`, since possession
 * plus user verification is multi-factor (WebAuthn Level 3 section 6.2.3).
 */
export function amrForPasskey(method: 'hwk' | 'swk', options: { afterPassword: boolean }): string[] {
  return options.afterPassword ? ['pwd', method, 'mfa'] : [method, 'user', 'mfa'];
}

/** The login prompt's reason when only the second factor is missing (oidc/provider.ts). */
export const TWO_FACTORS_REQUESTED = 'two_factors_requested';

/**
 * Whether an authorization request asks for two factors: acr_values naming them (OpenID Connect
 * Core 3.1.2.1, voluntary there, honoured here), or the claims parameter asking for an essential
 * acr that only they meet (5.5.1.1). oidc-provider enforces the essential acr itself; knowing it
 * here lets an account without a second factor be told so (unmet_authentication_requirements)
 * instead of being sent round the login page, and lets the session's step-up apply.
 */
export function requestsTwoFactors(params: { acr_values?: unknown; claims?: unknown }): boolean {
  if (typeof params.acr_values === 'string' && params.acr_values.split(' ').includes(ACR_TWO_FACTORS)) return true;
  const acr = essentialAcr(params.claims);
  return acr !== undefined && acr.length > 0 && acr.every((value) => value === ACR_TWO_FACTORS);
}

/** The `claims` authorization parameter as an object (it arrives as JSON text), if it is one. */
export function claimsRequest(claims: unknown): Record<string, unknown> | undefined {
  if (typeof claims === 'string') return jsonObject(claims);
  return isPlainObject(claims) ? claims : undefined;
}

/** The acr values an essential acr claim request allows (from the ID token or userinfo member), if any. */
export function essentialAcr(claims: unknown): string[] | undefined {
  const parsed = claimsRequest(claims);
  if (!parsed) return undefined;
  for (const member of ['id_token', 'userinfo'] as const) {
    const request = (parsed as Record<string, { acr?: { essential?: unknown; value?: unknown; values?: unknown } } | undefined>)[member]?.acr;
    if (!request || request.essential !== true) continue;
    if (typeof request.value === 'string') return [request.value];
    if (Array.isArray(request.values)) return request.values.filter((value): value is string => typeof value === 'string');
  }
  return undefined;
}

/** The login prompt's reasons that mean only the acr (the second factor) is missing. */
export const ACR_ONLY_REASONS: readonly string[] = Object.freeze([TWO_FACTORS_REQUESTED, 'essential_acr', 'essential_acrs']);
