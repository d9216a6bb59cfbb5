/**
 * Recovery codes: ten single-use codes shown once, for when the authenticator app is lost.
 *
 * Each code is 80 random bits (16 base32 characters, shown as four groups of four). Stored is
 * only HMAC-SHA-256 of the code under a key the store keeps (factor-secrets.ts), not argon2:
 * argon2 exists to make guessing low-entropy passwords slow, and these codes are random with 80
 * bits, far beyond guessing offline, so a slow hash would only spend the libuv pool that password
 * checks need (ARCHITECTURE.md) on every recovery attempt. The key means a copy of the database
 * alone does not even allow testing a guess.
 */
import { randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Longest input looked at: a code with generous separators and spaces. */
const MAX_INPUT = 64;

export function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = Array.from({ length: 16 }, (_, i) => ALPHABET[bytes[i]! & 31]);
  return [0, 4, 8, 12].map((at) => chars.slice(at, at + 4).join('')).join('-');
}

/** What the person typed, as the code it means (case, spaces and dashes ignored); '' when it can't be one. */
export function normalizeRecoveryCode(input: string): string {
  if (input.length > MAX_INPUT) return '';
  const plain = input.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z2-7]{16}$/.test(plain) ? plain : '';
}
