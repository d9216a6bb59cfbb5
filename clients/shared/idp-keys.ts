/**
 * The IdP's issuer and signing keys as a relying party or API sees them: from discovery, the
 * JWKS fetched once and refetched by jose when a token names an unknown `kid` (a rotation).
 */
import { createRemoteJWKSet, customFetch } from 'jose';
import type { FetchFunction } from './relying-party.js';

export interface IdpKeys {
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

export function createIdpKeys(metadata: () => Promise<{ issuer: string; jwks_uri?: string }>, fetch?: FetchFunction): () => Promise<IdpKeys> {
  let keys: IdpKeys | undefined;
  return async () => {
    if (!keys) {
      const { issuer, jwks_uri: jwksUri } = await metadata();
      if (!jwksUri) throw new Error('the IdP publishes no jwks_uri');
      keys = { issuer, jwks: createRemoteJWKSet(new URL(jwksUri), fetch ? { [customFetch]: fetch as never } : {}) };
    }
    return keys;
  };
}
