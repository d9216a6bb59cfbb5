/**
 * Is a configured secret long and random enough to sign with? Every secret an operator sets
 * (cookie secrets, the sites' cookie secrets, the static initial access token) passes through
 * here, so "32 identical characters" or a one-letter secret stops start-up instead of making a
 * cookie forgeable offline (an HS256 key is only as strong as its guessability).
 *
 * The entropy is an estimate from the secret's own characters (Shannon entropy of their
 * distribution times the length): it can't tell a random string from a clever pattern, but it
 * refuses tiny alphabets, and a secret that is one shorter string repeated is refused outright.
 */
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
  if (estimatedEntropyBits(secret) < MIN_SECRET_ENTROPY_BITS || isRepetition(secret)) {
    return `${name} is too predictable (repeated or too few different characters); generate one with: openssl rand -base64 32`;
  }
  return undefined;
}

/** "abcabcabc...": the whole secret is one shorter string repeated. */
function isRepetition(secret: string): boolean {
  return /^(.+?)\1+$/su.test(secret);
}
