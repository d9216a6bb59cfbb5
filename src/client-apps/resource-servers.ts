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
  /** Every registered resource server (the Management API's own record among them), by identifier. */
  list(): Promise<ResourceServerRecord[]>;
  save(record: ResourceServerRecord): Promise<void>;
  /** Tokens for it are refused from now on (getResourceServerInfo finds nothing); clients' grants are api-access.ts's. */
  remove(identifier: string): Promise<void>;
}

export const MAX_IDENTIFIER_LENGTH = 2048;
export const MAX_SCOPES = 50;
/** Bounds of a resource server's own access token lifetime. */
export const ACCESS_TOKEN_TTL_LIMITS = { minSeconds: 60, maxSeconds: 86_400 } as const;

export function assertValidIdentifier(identifier: string): void {
  const url = URL.parse(identifier);
  assertThat(
    url !== null && !identifier.includes('#') && identifier.length <= MAX_IDENTIFIER_LENGTH,
    'invalid_input',
    `A resource identifier is an absolute URI without a fragment (RFC 8707 section 2), at most ${MAX_IDENTIFIER_LENGTH} characters`,
  );
}

/** The one check of a resource server, whoever registers it (the Management API, the demo seed, the IdP itself). */
export function assertValidResourceServer(record: ResourceServerRecord): void {
  assertValidIdentifier(record.identifier);
  assertThat(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(record.scope), 'invalid_input', 'scope must be space-separated scope tokens (RFC 6749 section 3.3)');
  assertThat(record.scope.split(' ').length <= MAX_SCOPES, 'invalid_input', `A resource server offers at most ${MAX_SCOPES} scopes`);
  assertThat(record.name.trim().length > 0, 'invalid_input', 'A resource server needs a name');
  assertThat(record.tokenFormat === undefined || record.tokenFormat === 'jwt' || record.tokenFormat === 'opaque', 'invalid_input', 'token_format is jwt or opaque');
  const ttl = record.accessTokenTtlSeconds;
  assertThat(
    ttl === undefined || (Number.isInteger(ttl) && ttl >= ACCESS_TOKEN_TTL_LIMITS.minSeconds && ttl <= ACCESS_TOKEN_TTL_LIMITS.maxSeconds),
    'invalid_input',
    `access_token_ttl_seconds must be a whole number from ${ACCESS_TOKEN_TTL_LIMITS.minSeconds} to ${ACCESS_TOKEN_TTL_LIMITS.maxSeconds}`,
  );
}

export function createResourceServers(storage: Storage): ResourceServers {
  const records = storage.modelStore(MODEL);
  return {
    async find(identifier) {
      const payload = await records.find(identifier);
      return payload ? (payload as unknown as ResourceServerRecord) : undefined;
    },
    async list() {
      const all = (await records.list()).map(({ payload }) => payload as unknown as ResourceServerRecord);
      return all.sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
    },
    async save(record) {
      assertValidResourceServer(record);
      await records.upsert(record.identifier, { ...record });
    },
    async remove(identifier) {
      await records.destroy(identifier);
    },
  };
}
