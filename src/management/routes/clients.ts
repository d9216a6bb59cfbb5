/**
 * /clients: the apps registered here, through the same code as the admin CLI and the demo seed
 * (client-apps/client-apps.ts: our registration policy, then oidc-provider's schema), plus which
 * APIs a machine client may get tokens for (client-apps/api-access.ts) and its token generation.
 * A client_secret appears in a response exactly twice in its life: on create and on rotate.
 *
 * Two rules keep admin:clients:write from being every scope at once: a caller can only hand on
 * Management API scopes it holds itself, and can only change, rotate, revoke or delete a client
 * whose Management API scopes it holds itself (else rotating a stronger admin's secret would hand
 * over that admin). The IdP's own clients (the account console) are read-only here: the IdP
 * registers them at every start. What admin:clients:write does carry is power over sign-ins (a
 * first-party app skips consent): it is an admin's scope, granted as such.
 */
import type { ClientMetadata } from 'oidc-provider';
import { AppError } from '../../errors.js';
import type { ApiAccess, ApiGrant } from '../../client-apps/api-access.js';
import { checkApiGrants } from '../../client-apps/api-access.js';
import { addClientApp, findClientApp, removeClientApp, rotateClientSecret, updateClientApp, type ClientApp } from '../../client-apps/client-apps.js';
import { ACCOUNT_CONSOLE_CLIENT_ID } from '../../account/account-sessions.js';
import type { Idp } from '../../idp.js';
import { insufficientScope } from '../bearer.js';
import { MANAGEMENT_API_PREFIX, managementApiIdentifier, type ManagementScope } from '../management-api.js';
import { cursorKey, pageLimit, pageOf, pageSchema, PAGING_QUERY } from '../paging.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute, JsonSchema } from '../route.js';
import { scopeToken, text, uri, uriList } from '../schemas.js';

export type ClientsDeps = Pick<Idp, 'clients' | 'registrationPolicy' | 'resourceServers' | 'config' | 'storage'> & { apiAccess: ApiAccess };

const API_GRANTS: JsonSchema = {
  type: 'array',
  maxItems: 20,
  description: 'APIs (resource servers) this client may get client_credentials tokens for, with the scopes it may ask for there',
  items: { type: 'object', required: ['resource', 'scopes'], additionalProperties: false, properties: { resource: uri, scopes: { type: 'array', minItems: 1, maxItems: 50, items: scopeToken } } },
};

const CLIENT: JsonSchema = {
  type: 'object',
  required: ['client_id', 'client_name', 'grant_types', 'redirect_uris', 'post_logout_redirect_uris', 'token_endpoint_auth_method', 'first_party', 'api_grants'],
  additionalProperties: false,
  properties: {
    client_id: { type: 'string' },
    client_name: { type: 'string' },
    grant_types: { type: 'array', items: { type: 'string' } },
    redirect_uris: { type: 'array', items: { type: 'string' } },
    post_logout_redirect_uris: { type: 'array', items: { type: 'string' } },
    backchannel_logout_uri: { type: 'string' },
    token_endpoint_auth_method: { type: 'string' },
    first_party: { type: 'boolean', description: 'First-party apps skip the consent page' },
    api_grants: API_GRANTS,
    client_secret: { type: 'string', description: 'Only in the answers to create and rotate-secret' },
  },
};

const CLIENT_CHANGES = {
  client_name: text(200, 'Shown to people on the consent and sign-in pages'),
  redirect_uris: uriList,
  post_logout_redirect_uris: uriList,
  backchannel_logout_uri: uri,
  first_party: { type: 'boolean' },
};

const NEW_CLIENT: JsonSchema = {
  type: 'object',
  required: ['client_name'],
  additionalProperties: false,
  properties: {
    ...CLIENT_CHANGES,
    // Never starting with "-": the admin CLI would read such an id as an option. Never only dots:
    // "." and ".." are path segments that URL parsers resolve away (/clients/.. is /), so the
    // client could never be addressed again to change or delete it.
    client_id: { type: 'string', pattern: '^(?!\\.+$)[A-Za-z0-9._~][A-Za-z0-9._~-]{0,63}$', description: 'Chosen by the IdP when absent; not starting with "-", not only dots' },
    grant_types: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['authorization_code', 'client_credentials'] }, description: 'authorization_code (with refresh tokens) unless given' },
    public: { type: 'boolean', description: 'No secret (token_endpoint_auth_method none); PKCE protects it' },
    api_grants: API_GRANTS,
  },
};

const UPDATE: JsonSchema = { type: 'object', minProperties: 1, additionalProperties: false, properties: CLIENT_CHANGES };
const GRANTS_BODY: JsonSchema = { type: 'object', required: ['api_grants'], additionalProperties: false, properties: { api_grants: API_GRANTS } };

async function representation(deps: ClientsDeps, app: ClientApp, options: { withSecret?: boolean } = {}) {
  const m: ClientMetadata = app.metadata;
  return {
    client_id: m.client_id,
    client_name: m.client_name ?? '',
    grant_types: m.grant_types ?? [],
    redirect_uris: m.redirect_uris ?? [],
    post_logout_redirect_uris: m.post_logout_redirect_uris ?? [],
    ...(typeof m.backchannel_logout_uri === 'string' ? { backchannel_logout_uri: m.backchannel_logout_uri } : {}),
    token_endpoint_auth_method: m.token_endpoint_auth_method ?? 'client_secret_basic',
    first_party: app.firstParty,
    api_grants: await deps.apiAccess.list(m.client_id),
    ...(options.withSecret && m.client_secret ? { client_secret: m.client_secret } : {}),
  };
}

/**
 * Management API scopes can only be handed on by a caller that holds them itself: otherwise any
 * admin:clients:write token could make a client with every admin scope and use it.
 */
function assertNoEscalation(request: ApiRequest, grants: readonly ApiGrant[], identifier: string, what = 'grant it'): void {
  for (const grant of grants) {
    if (grant.resource !== identifier) continue;
    const beyond = grant.scopes.filter((scope) => !request.caller.scopes.has(scope as ManagementScope));
    if (beyond.length > 0) throw insufficientScope(`Only a caller holding ${beyond.join(' ')} may ${what}`, beyond.join(' '), identifier);
  }
}

/** Before any change to an existing client: it is not the IdP's own, and holds no admin scope the caller lacks. */
async function assertMayManage(deps: ClientsDeps, request: ApiRequest, identifier: string): Promise<string> {
  const clientId = request.params.client_id!;
  if (clientId === ACCOUNT_CONSOLE_CLIENT_ID) throw new ApiProblem(403, 'forbidden', `${clientId} is the IdP's own client: it is registered at every start and can't be changed here`);
  assertNoEscalation(request, await deps.apiAccess.list(clientId), identifier, 'change this client');
  return clientId;
}

/** A change is written only onto the client as it was read (client-apps/registry.ts). */
const CHANGED_MEANWHILE = 'The client was changed or deleted by another request meanwhile: read it again and retry';
const ID_TAKEN = 'A client with this client_id exists (or was created by another request meanwhile)';

export function clientRoutes(deps: ClientsDeps): ApiRoute[] {
  const identifier = managementApiIdentifier(deps.config.issuer);
  const show = async (clientId: string) => representation(deps, await findClientApp(deps, clientId));
  const tag = 'Clients';
  return [
    {
      method: 'get',
      path: '/clients',
      operationId: 'listClients',
      summary: 'List registered clients',
      tag,
      scope: 'admin:clients:read',
      query: PAGING_QUERY,
      response: { status: 200, description: 'A page of clients, by client_id', schema: pageSchema(CLIENT) },
      async handle({ query }) {
        const limit = pageLimit(query);
        // One more than the page: whether another follows. Never every client at once (anyone may register one).
        const page = pageOf(await deps.clients.page({ limit: limit + 1, after: cursorKey(query) }), (m) => m.client_id, limit);
        const items = await Promise.all(page.items.map(async (metadata) => representation(deps, { metadata, firstParty: await deps.clients.isFirstParty(metadata.client_id) })));
        return { status: 200, body: { items, next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'post',
      path: '/clients',
      operationId: 'createClient',
      summary: 'Register a client (its client_secret is in this answer and never again)',
      tag,
      scope: 'admin:clients:write',
      body: NEW_CLIENT,
      response: { status: 201, description: 'The client, with its client_secret', schema: CLIENT },
      problems: { 409: ID_TAKEN },
      async handle(request) {
        const body = request.body as Record<string, unknown> & { api_grants?: ApiGrant[]; grant_types?: ('authorization_code' | 'client_credentials')[] };
        const grants = body.api_grants ?? [];
        const grantTypes = body.grant_types ?? ['authorization_code'];
        await checkApiGrants(deps.resourceServers, grantTypes, grants);
        assertNoEscalation(request, grants, identifier);
        const app = await addClientApp(deps, {
          id: body.client_id as string | undefined,
          name: body.client_name as string,
          grants: grantTypes,
          redirectUris: body.redirect_uris as string[] | undefined,
          postLogoutRedirectUris: body.post_logout_redirect_uris as string[] | undefined,
          backchannelLogoutUri: body.backchannel_logout_uri as string | undefined,
          isPublic: body.public === true,
          firstParty: body.first_party === true,
        });
        // The client is new (its create wrote only where no client was), so a grant record left
        // under its id (written as a client of that id was deleted) is no grant of this one: the
        // caller could get scopes it could not grant (assertNoEscalation). Nobody holds its secret
        // before this answer, so nothing can use such a grant before it goes.
        await deps.apiAccess.forget(app.metadata.client_id);
        for (const grant of grants) await deps.apiAccess.setGrant(app.metadata.client_id, grant);
        return { status: 201, headers: { Location: `${deps.config.issuer}${MANAGEMENT_API_PREFIX}/clients/${encodeURIComponent(app.metadata.client_id)}` }, body: await representation(deps, app, { withSecret: true }) };
      },
    },
    {
      method: 'get',
      path: '/clients/{client_id}',
      operationId: 'getClient',
      summary: 'Show one client (never its secret)',
      tag,
      scope: 'admin:clients:read',
      response: { status: 200, description: 'The client', schema: CLIENT },
      handle: async ({ params }) => ({ status: 200, body: await show(params.client_id!) }),
    },
    {
      method: 'patch',
      path: '/clients/{client_id}',
      operationId: 'updateClient',
      summary: 'Change name, URIs or first-party status (a list given replaces the old one)',
      tag,
      scope: 'admin:clients:write',
      body: UPDATE,
      response: { status: 200, description: 'The client as it is now', schema: CLIENT },
      problems: { 409: CHANGED_MEANWHILE },
      async handle(request) {
        const clientId = await assertMayManage(deps, request, identifier);
        const changes = request.body as Record<string, unknown>;
        const app = await updateClientApp(deps, clientId, {
          name: changes.client_name as string | undefined,
          redirectUris: changes.redirect_uris as string[] | undefined,
          postLogoutRedirectUris: changes.post_logout_redirect_uris as string[] | undefined,
          backchannelLogoutUri: changes.backchannel_logout_uri as string | undefined,
          firstParty: changes.first_party as boolean | undefined,
        });
        return { status: 200, body: await representation(deps, app) };
      },
    },
    {
      method: 'delete',
      path: '/clients/{client_id}',
      operationId: 'deleteClient',
      summary: 'Delete a client; its API grants go and its Management API tokens stop working',
      tag,
      scope: 'admin:clients:write',
      response: { status: 204, description: 'Deleted' },
      problems: { 409: 'An API (resource server) names this client as the one that introspects its tokens' },
      async handle(request) {
        const clientId = await assertMayManage(deps, request, identifier);
        await removeClientApp(deps, clientId);
        return { status: 204 };
      },
    },
    {
      method: 'post',
      path: '/clients/{client_id}/secret',
      operationId: 'rotateClientSecret',
      summary: 'Issue a new client_secret; the old one and every Management API token of the client stop working',
      tag,
      scope: 'admin:clients:write',
      response: { status: 200, description: 'The client, with its new client_secret', schema: CLIENT },
      problems: { 409: CHANGED_MEANWHILE },
      async handle(request) {
        const clientId = await assertMayManage(deps, request, identifier);
        const app = await rotateClientSecret(deps, clientId);
        await deps.apiAccess.bumpGeneration(clientId);
        return { status: 200, body: await representation(deps, app, { withSecret: true }) };
      },
    },
    {
      method: 'put',
      path: '/clients/{client_id}/api-grants',
      operationId: 'setClientApiGrants',
      summary: 'Replace the APIs and scopes a client_credentials client may get tokens for',
      tag,
      scope: 'admin:clients:write',
      body: GRANTS_BODY,
      response: { status: 200, description: 'The client as it is now', schema: CLIENT },
      async handle(request) {
        const grants = (request.body as { api_grants: ApiGrant[] }).api_grants;
        const app = await findClientApp(deps, await assertMayManage(deps, request, identifier));
        await checkApiGrants(deps.resourceServers, app.metadata.grant_types ?? [], grants);
        assertNoEscalation(request, grants, identifier);
        const current = await deps.apiAccess.list(app.metadata.client_id);
        for (const old of current) if (!grants.some((grant) => grant.resource === old.resource)) await deps.apiAccess.setGrant(app.metadata.client_id, { resource: old.resource, scopes: [] });
        for (const grant of grants) await deps.apiAccess.setGrant(app.metadata.client_id, grant);
        // Deleted meanwhile: its deletion may have cleared its grants before these were written.
        if (!(await deps.clients.find(app.metadata.client_id))) {
          await deps.apiAccess.forget(app.metadata.client_id);
          throw new AppError('not_found', `No client with id "${app.metadata.client_id}"`, { expose: true });
        }
        return { status: 200, body: await representation(deps, app) };
      },
    },
    {
      method: 'post',
      path: '/clients/{client_id}/revoke-tokens',
      operationId: 'revokeClientTokens',
      summary: 'End every Management API token the client holds now (it can get new ones)',
      tag,
      scope: 'admin:clients:write',
      response: { status: 204, description: 'Revoked' },
      async handle(request) {
        const clientId = await assertMayManage(deps, request, identifier);
        await findClientApp(deps, clientId);
        await deps.apiAccess.bumpGeneration(clientId);
        return { status: 204 };
      },
    },
  ];
}
