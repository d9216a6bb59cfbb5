/**
 * Is a configured secret long and random enough to sign with? Every secret an operator sets
 * (cookie secrets, the sites' cookie secrets, the static initial access token) passes through
 * here, so "32 identical characters" or a one-letter secret stops start-up instead of making a
 * cookie forgeable offline (an HS256 key is only as strong as its guessability).
 *
 * The entropy is an estimate from the secret's own characters (Shannon entropy of their
 * distribution times the length): it can't tell a random string from a clever pattern, but it
 * refuses tiny alphabets; repetition (a secret that compresses) and runs along the alphabet or a
 * keyboard row are refused outright.
 */
import { deflateRawSync } from 'node:zlib';

export const MIN_SECRET_LENGTH = 32;
export const MAX_SECRET_LENGTH = 1024;
// Low enough that no properly generated secret fails (the lowest of 200,000 random 32-hex-character
// secrets estimated 86.8 bits), high enough to refuse short alphabets.
export const MIN_SECRET_ENTROPY_BITS = 80;

export function estimatedEntropyBits(secret: string): number {
  const counts = new Map<string, number>();
  const characters = [...secret];
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bitsPerCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  return bitsPerCharacter * characters.length;
}

/** Why `secret` is too weak, for a configuration message naming `name`; undefined when it is fine. */
export function secretWeakness(name: string, secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return `${name} must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`;
  if (secret.length > MAX_SECRET_LENGTH) return `${name} must be at most ${MAX_SECRET_LENGTH} characters`;
  if (estimatedEntropyBits(secret) < MIN_SECRET_ENTROPY_BITS || isRepetition(secret) || compresses(secret) || mostlyRuns(secret)) {
    return `${name} is too predictable (repeated or too few different characters); generate one with: openssl rand -base64 32`;
  }
  return undefined;
}

/** "abcabcabc...": the whole secret is one shorter string repeated. */
function isRepetition(secret: string): boolean {
  return /^(.+?)\1+$/su.test(secret);
}

/**
 * Repeated chunks ("changeme-changeme-...", "passwordpassword...12345678") make text compress;
 * random text doesn't (100,000 random 32-character hex and base64url secrets all stayed above
 * 0.94 of their length under deflate).
 */
function compresses(secret: string): boolean {
  return deflateRawSync(Buffer.from(secret), { level: 9 }).length < 0.85 * Buffer.byteLength(secret);
}

/** Runs along the alphabet, the digits or a keyboard row, either way ("abcdef", "qwerty", "4321"). */
const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '0123456789', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'].flatMap((s) => [s, [...s].reverse().join('')]);
const MIN_RUN = 4;

/** A third or more of the secret sits in such runs of 4 or more characters. */
function mostlyRuns(secret: string): boolean {
  const text = secret.toLowerCase();
  const inRun = new Array<boolean>(text.length).fill(false);
  for (let start = 0; start + MIN_RUN <= text.length; start += 1) {
    for (const sequence of SEQUENCES) {
      let length = 0;
      const at = sequence.indexOf(text[start]!);
      while (at >= 0 && start + length < text.length && sequence[at + length] === text[start + length]) length += 1;
      if (length >= MIN_RUN) inRun.fill(true, start, start + length);
    }
  }
  return inRun.filter(Boolean).length * 3 >= text.length;
}
