/** A MongoDB URI for messages and logs: the password replaced, everything else kept. */
export function maskMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^:@/?#]*):([^@/?#]*)@/, (_m, scheme: string, user: string) => `${scheme}${user}:****@`);
}

/** The password in a MongoDB URI, so it can be scrubbed from driver messages too. */
export function mongoPassword(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^:@/?#]*:([^@/?#]*)@/.exec(uri);
  return match?.[1] ? match[1] : undefined;
}
