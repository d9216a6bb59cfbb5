/**
 * A MongoDB URI for messages and logs: everything between the scheme and the last "@" of the
 * authority is treated as credentials and masked, so even a mistyped URI (an unescaped "@" or "/"
 * in the password) doesn't print the password. Masking too much is the safe side.
 */
const CREDENTIALS = /^(mongodb(?:\+srv)?:\/\/)([^:@/]*):(.*)@/;

export function maskMongoUri(uri: string): string {
  return uri.replace(CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:****@`);
}

/** The password in a MongoDB URI (as written and decoded), so it can be scrubbed from driver messages too. */
export function mongoPasswords(uri: string): string[] {
  const raw = CREDENTIALS.exec(uri)?.[3];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form only
  }
  return [...new Set([raw, decoded])].filter((p) => p.length >= 3);
}
