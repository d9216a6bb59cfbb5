/**
 * What the registration rules (registration-policy.ts, grant-policy.ts) answer with, and how they
 * read client metadata that arrives as untrusted JSON (RFC 7591 section 3.2.2 error codes).
 */
export interface PolicyViolation {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  description: string;
}

export const violation = (error: PolicyViolation['error'], description: string): PolicyViolation => ({ error, description });

/** An omitted list is empty; anything but an array is no list (undefined). */
export function listOf(value: unknown): unknown[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : undefined;
}

// Membership of the string itself: String() of a JSON object whose toString is no function throws.
export const isOneOf = (value: unknown, allowed: readonly string[]) => typeof value === 'string' && allowed.includes(value);
