/** `clients list | add | show | update | remove | rotate-secret` */
import type { ClientMetadata } from 'oidc-provider';
import { checkApiGrants } from '../client-apps/api-access.js';
import { addClientApp, findClientApp, removeClientApp, rotateClientSecret, updateClientApp, type ClientApp, type ClientGrant } from '../client-apps/client-apps.js';
import type { AdminContext } from './context.js';
import type { Row } from './output.js';

export const CLIENT_COLUMNS = ['client_id', 'name', 'type', 'grant_types', 'first_party', 'redirect_uris'];
export const CLIENT_WITH_SECRET_COLUMNS = [...CLIENT_COLUMNS, 'client_secret'];

function row(app: ClientApp, options: { withSecret?: boolean } = {}): Row {
  const m: ClientMetadata = app.metadata;
  return {
    client_id: m.client_id,
    name: m.client_name,
    type: m.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    grant_types: (m.grant_types ?? []).join(' '),
    first_party: app.firstParty,
    redirect_uris: (m.redirect_uris ?? []).join(' '),
    post_logout_redirect_uris: (m.post_logout_redirect_uris ?? []).join(' ') || undefined,
    backchannel_logout_uri: m.backchannel_logout_uri as string | undefined,
    // Shown once, when created or rotated; never by list or show.
    ...(options.withSecret ? { client_secret: m.client_secret } : {}),
  };
}

export interface ClientOptions {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  firstParty?: boolean;
  isPublic?: boolean;
  id?: string;
}

export async function listClients(ctx: AdminContext): Promise<Row[]> {
  const all = await ctx.idp.clients.list();
  return Promise.all(all.map(async (metadata) => row({ metadata, firstParty: await ctx.idp.clients.isFirstParty(metadata.client_id) })));
}

/** `grants`: authorization_code unless given; a client_credentials-only client has no redirect URIs. */
export async function addClient(ctx: AdminContext, options: ClientOptions & { name: string; grants?: ClientGrant[] }): Promise<Row[]> {
  return [row(await addClientApp(ctx.idp, options), { withSecret: true })];
}

export async function showClient(ctx: AdminContext, clientId: string): Promise<Row[]> {
  return [row(await findClientApp(ctx.idp, clientId))];
}

export async function updateClient(ctx: AdminContext, clientId: string, options: ClientOptions): Promise<Row[]> {
  return [row(await updateClientApp(ctx.idp, clientId, options))];
}

export async function removeClient(ctx: AdminContext, clientId: string): Promise<Row[]> {
  await removeClientApp(ctx.idp, clientId);
  return [{ client_id: clientId, removed: true }];
}

export async function rotateSecret(ctx: AdminContext, clientId: string): Promise<Row[]> {
  const app = await rotateClientSecret(ctx.idp, clientId);
  await ctx.idp.apiAccess.bumpGeneration(clientId);
  return [row(app, { withSecret: true })];
}

/** Grants (or, with no scopes, takes away) a machine client's access to one API: the same check as the Management API's. */
export async function grantApi(ctx: AdminContext, clientId: string, grant: { resource: string; scopes: string[] }): Promise<Row[]> {
  const app = await findClientApp(ctx.idp, clientId);
  await checkApiGrants(ctx.idp.resourceServers, app.metadata.grant_types ?? [], grant.scopes.length > 0 ? [grant] : []);
  await ctx.idp.apiAccess.setGrant(clientId, grant);
  return (await ctx.idp.apiAccess.list(clientId)).map((granted) => ({ client_id: clientId, resource: granted.resource, scopes: granted.scopes.join(' ') }));
}

/** Every Management API token the client holds stops working (its secret stays). */
export async function revokeTokens(ctx: AdminContext, clientId: string): Promise<Row[]> {
  await findClientApp(ctx.idp, clientId);
  await ctx.idp.apiAccess.bumpGeneration(clientId);
  return [{ client_id: clientId, tokens_revoked: true }];
}
