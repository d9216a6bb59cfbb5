/**
 * Authenticator-app codes, RFC 6238 with the parameters every app understands: HMAC-SHA-1, six
 * digits, a 30-second step (RFC 6238 section 4, 5.2), and one step of tolerance either way for
 * clock drift and typing time (section 5.2 recommends at most one). The arithmetic is otpauth's;
 * the rule that each step is accepted at most once is ours (factors.ts).
 */
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted before and after the current one. */
export const TOTP_WINDOW = 1;

/** 160 random bits (RFC 4226 section 4 recommends that length for SHA-1), as base32 for the person. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** The otpauth:// URI the QR code carries. */
export function totpUri(secret: string, who: { label: string; issuer: string }): string {
  return totp(secret, who.label, who.issuer).toString();
}

/** The step counter (floor(unix time / 30)) whose code `code` is, within the window; undefined when none. */
export function matchingStep(secret: string, code: string, nowMs = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? undefined : TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: nowMs }) + delta;
}
