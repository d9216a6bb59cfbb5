/**
 * What an authorization request demanded of the person signing in, checked against who signed in
 * and how, before the sign-in is handed back to oidc-provider:
 * - `id_token_hint` names a person: if someone else signs in, the answer is `login_required`
 *   (OpenID Connect Core 3.1.2.1: the OP "SHOULD return an error, such as login_required");
 * - the `claims` parameter asks for a `sub` value: the same (5.5.1);
 * - it asks for an essential `acr` this sign-in can't give: `unmet_authentication_requirements`
 *   (5.5.1.1: "the Authorization Server MUST treat that as a failed authentication attempt");
 * - its `acr_values` name two factors (voluntary in 3.1.2.1, honoured here) and the sign-in ends
 *   with a password alone, the account having no second factor: the same, rather than a token
 *   with less or the login page again.
 * oidc-provider re-runs the last two checks when the interaction resumes and, failing them, sends
 * the person to the login page again, for ever; it doesn't re-run the hint's, and issued a code
 * for whoever signed in. Found by a conformance review.
 */
import { decodeJwt } from 'jose';
import { claimsRequest, essentialAcr, requestsTwoFactors } from '../mfa/authentication-context.js';

export interface UnmetDemand {
  [key: string]: string;
  error: 'login_required' | 'unmet_authentication_requirements';
  error_description: string;
}

function hintedSubject(hint: unknown): string | undefined {
  if (typeof hint !== 'string') return undefined;
  try {
    const { sub } = decodeJwt(hint);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined; // the engine validated it at the authorization endpoint
  }
}

function requestedSubject(claims: unknown): string | undefined {
  const value = (claimsRequest(claims) as { id_token?: { sub?: { value?: unknown } } } | undefined)?.id_token?.sub?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The request's demands on who it is (an id_token_hint, a requested sub), against the account
 * continuing: also when the account chooser's "Continue as" resumes a request whose hint names
 * someone else (the engine checks the hint only at /auth, so a code was issued for the session's
 * person: found by an attacking review).
 */
export function unmetSubject(params: Record<string, unknown>, accountId: string): UnmetDemand | undefined {
  const hinted = hintedSubject(params.id_token_hint);
  if (hinted !== undefined && hinted !== accountId) {
    return { error: 'login_required', error_description: 'The person who signed in is not the one the id_token_hint names' };
  }
  const requested = requestedSubject(params.claims);
  if (requested !== undefined && requested !== accountId) {
    return { error: 'login_required', error_description: 'The person who signed in is not the requested subject' };
  }
  return undefined;
}

/**
 * `signedIn.acr`: the acr this sign-in ends with (the two-factor one after a second factor or a
 * passkey; none for a password alone). Subjects are compared as they are: this IdP offers no
 * pairwise subjects.
 */
export function unmetDemand(params: Record<string, unknown>, signedIn: { accountId: string; acr?: string }): UnmetDemand | undefined {
  const subject = unmetSubject(params, signedIn.accountId);
  if (subject) return subject;
  const acr = essentialAcr(params.claims);
  if (acr !== undefined && acr.length > 0 && (signedIn.acr === undefined || !acr.includes(signedIn.acr))) {
    return { error: 'unmet_authentication_requirements', error_description: 'None of the essential acr values requested can be met by this sign-in' };
  }
  if (signedIn.acr === undefined && requestsTwoFactors(params)) {
    return { error: 'unmet_authentication_requirements', error_description: 'The person has no second factor set up, and this sign-in asked for two' };
  }
  return undefined;
}
