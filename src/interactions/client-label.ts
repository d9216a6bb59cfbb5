/**
 * How our pages name the app a person is signing in to. A third-party app chose its own name
 * (RFC 7591 section 2: client_name is unverified), so its pages also show the host of the
 * redirect URI this very request returns to: the one thing about the app the IdP has checked
 * (exact match, RFC 9700 section 4.1.3). A look-alike name then still reads
 * "Site A (evil.example)". First-party apps are the service's own and keep the plain name.
 */
export interface ClientLabel {
  name: string;
  /** Set for third-party apps only. */
  host?: string;
}

/** The host (with port) of a redirect URI; the scheme of a native app's private-use URI (RFC 8252 section 7.1). */
export function redirectHost(redirectUri: unknown): string | undefined {
  const url = typeof redirectUri === 'string' ? URL.parse(redirectUri) : null;
  if (!url) return undefined;
  // URL.host is already ASCII (punycode), so a homograph domain shows as xn--...
  return url.host || url.protocol.replace(/:$/, '') || undefined;
}

export function labelClient(client: { clientId: string; clientName?: string }, context: { firstParty: boolean; redirectUri: unknown }): ClientLabel {
  const name = client.clientName ?? client.clientId;
  return context.firstParty ? { name } : { name, host: redirectHost(context.redirectUri) };
}
