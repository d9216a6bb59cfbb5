/**
 * /resource-servers: the APIs clients may get access tokens for (RFC 8707 resource indicators),
 * checked by the one rule of resource-servers.ts whoever registers them. The Management API's own
 * record is code, written at every start (management-api.ts): it can be read, never changed here.
 *
 * Narrowing a server's scopes narrows every client's grant there too, and deleting a server takes
 * its grants away (api-access.ts restrictGrants). Token requests are checked against the server's
 * scopes anyway (oidc/client-credentials.ts), so a scope taken away can't be issued at once; the
 * grants are cleaned as well so that offering the scope again later does not silently hand it
 * back to every client that once had it. Tokens issued before stay valid until they expire (JWTs
 * are verified by the API itself); an API that must see that at once uses opaque tokens.
 */
import type { ResourceServerRecord } from '../../client-apps/resource-servers.js';
import { ACCESS_TOKEN_TTL_LIMITS, assertValidIdentifier, MAX_SCOPES } from '../../client-apps/resource-servers.js';
import type { Idp } from '../../idp.js';
import { MANAGEMENT_API_PREFIX, managementApiIdentifier } from '../management-api.js';
import { paginate, pageSchema, PAGING_QUERY } from '../paging.js';
import { ApiProblem } from '../problem.js';
import type { ApiRoute, JsonSchema } from '../route.js';
import { idParam, scopeToken, text } from '../schemas.js';

export type ResourceServersDeps = Pick<Idp, 'resourceServers' | 'apiAccess' | 'clients' | 'config'>;

const RESOURCE_SERVER: JsonSchema = {
  type: 'object',
  required: ['identifier', 'name', 'scopes', 'token_format', 'managed_by_idp'],
  additionalProperties: false,
  properties: {
    identifier: { type: 'string', description: 'Absolute URI without fragment: the resource parameter and the tokens\' aud' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    token_format: { enum: ['jwt', 'opaque'], description: 'jwt: RFC 9068, verified with the JWKS; opaque: the API introspects each token' },
    introspecting_client_id: { type: 'string', description: 'The client the API authenticates as at /token/introspection' },
    access_token_ttl_seconds: { type: 'integer', description: "The IdP's access token lifetime when absent" },
    managed_by_idp: { type: 'boolean', description: 'The Management API itself: read-only' },
  },
};

const PUT_BODY: JsonSchema = {
  type: 'object',
  required: ['name', 'scopes'],
  additionalProperties: false,
  properties: {
    name: text(200),
    scopes: { type: 'array', minItems: 1, maxItems: MAX_SCOPES, uniqueItems: true, items: scopeToken, description: 'Every scope the API understands; a scope left out is taken from every client granted it' },
    token_format: { enum: ['jwt', 'opaque'], description: 'jwt unless given' },
    introspecting_client_id: { ...idParam, description: 'An existing confidential client' },
    access_token_ttl_seconds: { type: 'integer', minimum: ACCESS_TOKEN_TTL_LIMITS.minSeconds, maximum: ACCESS_TOKEN_TTL_LIMITS.maxSeconds },
  },
};

interface PutBody {
  name: string;
  scopes: string[];
  token_format?: 'jwt' | 'opaque';
  introspecting_client_id?: string;
  access_token_ttl_seconds?: number;
}

/**
 * A URL's host name as DNS reads it: in lower case, without the trailing dots of a fully qualified
 * name. URL normalises that for http(s) only; for another scheme (`foo://IDP.EXAMPLE%2e/api`) the
 * host stays as written, so it is decoded and lowered here (an undecodable one is left as it is:
 * it names no host of ours).
 */
function hostOf(url: URL): string {
  let host = url.hostname;
  try {
    host = decodeURIComponent(host);
  } catch {
    // a malformed escape: no DNS name
  }
  return host.toLowerCase().replace(/\.+$/, '');
}

export function resourceServerRoutes(deps: ResourceServersDeps): ApiRoute[] {
  const own = managementApiIdentifier(deps.config.issuer);
  const tag = 'Resource servers';
  const representation = (record: ResourceServerRecord) => ({
    identifier: record.identifier,
    name: record.name,
    scopes: record.scope.split(' ').filter(Boolean),
    token_format: record.tokenFormat ?? 'jwt',
    ...(record.clientId ? { introspecting_client_id: record.clientId } : {}),
    ...(record.accessTokenTtlSeconds !== undefined ? { access_token_ttl_seconds: record.accessTokenTtlSeconds } : {}),
    managed_by_idp: record.identifier === own,
  });
  /** The path's identifier, valid (400 otherwise) and not the Management API's own (409) when it is to change. */
  const target = (identifier: string, change: boolean) => {
    assertValidIdentifier(identifier);
    if (change && identifier === own) throw new ApiProblem(409, 'conflict', `${identifier} is the Management API itself: the IdP manages its record (its scopes are code), so it can't be changed or deleted`);
    // Spelled another way (HTTP://, a trailing slash, %76, //api, a host ending in "."), it would
    // look like the Management API on a consent page without being it. The IdP's host serves no
    // API but its own, so no identifier on it, under any scheme or port, is another API's (a
    // check of the path under /api alone let //api/v1 and idp.example.: an attacking review).
    const url = new URL(identifier);
    if (change && hostOf(url) === hostOf(new URL(own))) {
      decodedPath(url); // a malformed escape there is a 400, as it always was
      throw new ApiProblem(409, 'conflict', `${identifier} is on the IdP's own host: it can't be registered as another API`);
    }
    return identifier;
  };
  const found = async (identifier: string) => {
    const record = await deps.resourceServers.find(identifier);
    if (!record) throw new ApiProblem(404, 'not_found', `No resource server is registered as ${identifier}`);
    return record;
  };
  return [
    {
      method: 'get',
      path: '/resource-servers',
      operationId: 'listResourceServers',
      summary: 'List the APIs (resource servers) tokens are issued for',
      tag,
      scope: 'admin:resource-servers:read',
      query: PAGING_QUERY,
      response: { status: 200, description: 'A page of resource servers, by identifier', schema: pageSchema(RESOURCE_SERVER) },
      async handle({ query }) {
        const page = paginate(await deps.resourceServers.list(), (record) => record.identifier, query);
        return { status: 200, body: { items: page.items.map(representation), next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'get',
      path: '/resource-servers/{identifier}',
      operationId: 'getResourceServer',
      summary: 'Show one resource server (the identifier percent-encoded in the path)',
      tag,
      scope: 'admin:resource-servers:read',
      response: { status: 200, description: 'The resource server', schema: RESOURCE_SERVER },
      handle: async ({ params }) => ({ status: 200, body: representation(await found(target(params.identifier!, false))) }),
    },
    {
      method: 'put',
      path: '/resource-servers/{identifier}',
      operationId: 'putResourceServer',
      summary: 'Register a resource server, or replace one (fields left out go back to their defaults)',
      tag,
      scope: 'admin:resource-servers:write',
      body: PUT_BODY,
      response: { status: 200, description: 'The resource server as it is now', schema: RESOURCE_SERVER, created: 'Registered: the resource server' },
      problems: { 409: 'The Management API itself (managed by the IdP)' },
      async handle({ params, body }) {
        const identifier = target(params.identifier!, true);
        const input = body as PutBody;
        if (input.introspecting_client_id !== undefined) {
          const client = await deps.clients.find(input.introspecting_client_id);
          if (!client || client.token_endpoint_auth_method === 'none') {
            throw new ApiProblem(400, 'invalid_input', `introspecting_client_id must name an existing confidential client (${input.introspecting_client_id} is ${client ? 'public' : 'not registered'})`);
          }
        }
        const existing = await deps.resourceServers.find(identifier);
        const record: ResourceServerRecord = {
          identifier,
          name: input.name,
          scope: input.scopes.join(' '),
          ...(input.token_format ? { tokenFormat: input.token_format } : {}),
          ...(input.introspecting_client_id !== undefined ? { clientId: input.introspecting_client_id } : {}),
          ...(input.access_token_ttl_seconds !== undefined ? { accessTokenTtlSeconds: input.access_token_ttl_seconds } : {}),
        };
        await deps.resourceServers.save(record);
        if (existing) await deps.apiAccess.restrictGrants(identifier, input.scopes);
        if (existing) return { status: 200, body: representation(record) };
        return { status: 201, headers: { Location: `${deps.config.issuer}${MANAGEMENT_API_PREFIX}/resource-servers/${encodeURIComponent(identifier)}` }, body: representation(record) };
      },
    },
    {
      method: 'delete',
      path: '/resource-servers/{identifier}',
      operationId: 'deleteResourceServer',
      summary: 'Delete a resource server: no token is issued for it from now on, and every client grant for it goes',
      tag,
      scope: 'admin:resource-servers:write',
      response: { status: 204, description: 'Deleted' },
      problems: { 409: 'The Management API itself (managed by the IdP)' },
      async handle({ params }) {
        const identifier = target(params.identifier!, true);
        await found(identifier);
        // The record first: from here no token is issued and no new grant passes checkApiGrants.
        await deps.resourceServers.remove(identifier);
        await deps.apiAccess.restrictGrants(identifier, []);
        return { status: 204 };
      },
    },
  ];
}

/** The URL's path with its escapes decoded; 400 for an escape that is not one (%zz). */
function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    throw new ApiProblem(400, 'invalid_input', `${url.href}: its path has a malformed percent-escape`);
  }
}
