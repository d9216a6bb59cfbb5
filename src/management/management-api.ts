/**
 * The Management API as a resource server of this IdP (RFC 8707): its identifier is its own URL,
 * its scopes are read and write per kind of thing, and its tokens are RFC 9068 JWTs issued to
 * admin clients through client_credentials only (never through a person's consent), short-lived,
 * verified locally by the API (bearer.ts).
 */
import type { ResourceServers } from '../client-apps/resource-servers.js';

export const MANAGEMENT_API_PREFIX = '/api/v1';

export const MANAGEMENT_SCOPES = [
  'admin:clients:read',
  'admin:clients:write',
  'admin:users:read',
  'admin:users:write',
  'admin:resource-servers:read',
  'admin:resource-servers:write',
  'admin:tokens:write',
  'admin:keys:read',
  'admin:keys:write',
  'admin:sessions:read',
  'admin:sessions:write',
  'admin:audit:read',
] as const;

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

/** Short: an admin token is worth more than any other, and the CLI gets a fresh one per run. */
export const MANAGEMENT_TOKEN_TTL_SECONDS = 600;

export const managementApiIdentifier = (issuer: string) => `${issuer}${MANAGEMENT_API_PREFIX}`;

export const isManagementScope = (scope: string): scope is ManagementScope => (MANAGEMENT_SCOPES as readonly string[]).includes(scope);

/** At every start (it is code, not data): the record oidc-provider's resource indicator hooks read. */
export async function registerManagementApi(resourceServers: ResourceServers, issuer: string): Promise<void> {
  await resourceServers.save({
    identifier: managementApiIdentifier(issuer),
    name: 'Management API',
    scope: MANAGEMENT_SCOPES.join(' '),
    tokenFormat: 'jwt',
    accessTokenTtlSeconds: MANAGEMENT_TOKEN_TTL_SECONDS,
    clientCredentialsOnly: true,
  });
}
