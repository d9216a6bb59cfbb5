/**
 * Resource servers (APIs) that clients may ask access tokens for with a `resource` parameter
 * (RFC 8707). Their access tokens are JWTs per RFC 9068, so the API verifies them with the
 * JWKS alone.
 */
import { assertThat } from '../errors.js';
import type { Storage } from '../storage/types.js';

const MODEL = 'ResourceServer';

export interface ResourceServerRecord {
  /** Absolute URI without fragment: the `resource` value and the token's `aud`. */
  identifier: string;
  name: string;
  /** Space-separated scopes this API understands, e.g. "api:read". */
  scope: string;
  /** jwt (default): verified locally with the JWKS; opaque: the API introspects each token. */
  tokenFormat?: 'jwt' | 'opaque';
  /** The client the API authenticates as at the introspection endpoint, if it introspects. */
  clientId?: string;
  /** Access token lifetime for this API; the IdP's ACCESS_TOKEN_TTL when absent. */
  accessTokenTtlSeconds?: number;
  /** Tokens only through client_credentials, never a person's consent (the Management API). */
  clientCredentialsOnly?: boolean;
}

export interface ResourceServers {
  find(identifier: string): Promise<ResourceServerRecord | undefined>;
  save(record: ResourceServerRecord): Promise<void>;
}

export function assertValidResourceServer(record: ResourceServerRecord): void {
  const url = URL.parse(record.identifier);
  assertThat(url !== null && !record.identifier.includes('#'), 'invalid_input', 'A resource identifier is an absolute URI without a fragment (RFC 8707 section 2)');
  assertThat(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(record.scope), 'invalid_input', 'scope must be space-separated scope tokens (RFC 6749 section 3.3)');
  assertThat(record.name.trim().length > 0, 'invalid_input', 'A resource server needs a name');
}

export function createResourceServers(storage: Storage): ResourceServers {
  const records = storage.modelStore(MODEL);
  return {
    async find(identifier) {
      const payload = await records.find(identifier);
      return payload ? (payload as unknown as ResourceServerRecord) : undefined;
    },
    async save(record) {
      assertValidResourceServer(record);
      await records.upsert(record.identifier, { ...record });
    },
  };
}
