/** `clients ...` over the Management API (/api/v1/clients), printing the rows client-commands.ts prints. */
import type { ClientGrant } from '../client-apps/client-apps.js';
import type { ApiGrant } from '../client-apps/api-access.js';
import type { ClientOptions } from './client-commands.js';
import type { ManagementClient } from './management-client.js';
import type { Row } from './output.js';

/** A client as the API shows it (management/routes/clients.ts). */
interface ApiClient {
  client_id: string;
  client_name: string;
  grant_types: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri?: string;
  token_endpoint_auth_method: string;
  first_party: boolean;
  api_grants: ApiGrant[];
  client_secret?: string;
}

const path = (clientId: string) => `/clients/${encodeURIComponent(clientId)}`;

function row(client: ApiClient, options: { withSecret?: boolean } = {}): Row {
  return {
    client_id: client.client_id,
    name: client.client_name,
    type: client.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    grant_types: client.grant_types.join(' '),
    first_party: client.first_party,
    redirect_uris: client.redirect_uris.join(' '),
    post_logout_redirect_uris: client.post_logout_redirect_uris.join(' ') || undefined,
    backchannel_logout_uri: client.backchannel_logout_uri,
    ...(options.withSecret ? { client_secret: client.client_secret } : {}),
  };
}

/** Only what was given: the API replaces a list it gets and leaves the rest. */
function changes(options: ClientOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    client_name: options.name,
    redirect_uris: options.redirectUris,
    post_logout_redirect_uris: options.postLogoutRedirectUris,
    backchannel_logout_uri: options.backchannelLogoutUri,
    first_party: options.firstParty,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

export async function listClientsHttp(api: ManagementClient): Promise<Row[]> {
  return (await api.list<ApiClient>('/clients')).map((client) => row(client));
}

export async function addClientHttp(api: ManagementClient, options: ClientOptions & { name: string; grants: ClientGrant[]; apiGrants?: ApiGrant[] }): Promise<Row[]> {
  const body = { ...changes(options), grant_types: options.grants, ...(options.isPublic ? { public: true } : {}), ...(options.id ? { client_id: options.id } : {}), ...(options.apiGrants ? { api_grants: options.apiGrants } : {}) };
  return [row(await api.call<ApiClient>('POST', '/clients', { body }), { withSecret: true })];
}

export async function showClientHttp(api: ManagementClient, clientId: string): Promise<Row[]> {
  return [row(await api.call<ApiClient>('GET', path(clientId)))];
}

export async function updateClientHttp(api: ManagementClient, clientId: string, options: ClientOptions): Promise<Row[]> {
  return [row(await api.call<ApiClient>('PATCH', path(clientId), { body: changes(options) }))];
}

export async function removeClientHttp(api: ManagementClient, clientId: string): Promise<Row[]> {
  await api.call('DELETE', path(clientId));
  return [{ client_id: clientId, removed: true }];
}

export async function rotateSecretHttp(api: ManagementClient, clientId: string): Promise<Row[]> {
  return [row(await api.call<ApiClient>('POST', `${path(clientId)}/secret`), { withSecret: true })];
}

/** PUT replaces every grant: read them, replace (or, with no scopes, drop) the one for `resource`. */
export async function grantApiHttp(api: ManagementClient, clientId: string, grant: ApiGrant): Promise<Row[]> {
  const current = await api.call<ApiClient>('GET', path(clientId));
  const others = current.api_grants.filter((granted) => granted.resource !== grant.resource);
  const api_grants = grant.scopes.length > 0 ? [...others, grant] : others;
  const updated = await api.call<ApiClient>('PUT', `${path(clientId)}/api-grants`, { body: { api_grants } });
  return updated.api_grants.map((granted) => ({ client_id: clientId, resource: granted.resource, scopes: granted.scopes.join(' ') }));
}

export async function revokeTokensHttp(api: ManagementClient, clientId: string): Promise<Row[]> {
  await api.call('POST', `${path(clientId)}/revoke-tokens`);
  return [{ client_id: clientId, tokens_revoked: true }];
}
