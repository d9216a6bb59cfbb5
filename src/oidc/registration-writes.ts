/**
 * What oidc-provider writes of a dynamically registered client (RFC 7591, 7592): the client when it
 * registers or updates itself (with a new secret each time: registration.ts), and its registration
 * access token, which reads the client's metadata, secret included.
 *
 * - An update is written (and a deletion made) only onto the client as the request loaded it (its
 *   secret, read from the request's own context), in one compare-and-swap: one that an admin's rotation or deletion
 *   overtook would write its client back with a secret its sender knows, undoing them (as an
 *   admin's own change would have: client-apps/registry.ts).
 * - A registration access token holds a digest of the secret of the client it was issued with, and
 *   is no token once the client's secret is another: a secret rotated because it leaked ends the
 *   token that leaked with it, whatever the order of the writes (an update saves its new token
 *   after its client, and a rotation landing between the two would otherwise hand the new secret to
 *   the new token: found by an attacking review). The engine reads the client again after the
 *   token, so the request's client is held to the same digest (bindRegistrationRequests): a
 *   rotation between the two reads must not hand that request the new secret either (found by a
 *   second review). Tokens from before carry no digest and count until a rotation deletes them
 *   (client-apps.ts rotateClientSecret).
 */
import { createHash } from 'node:crypto';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { jsonObject } from '../json-object.js';
import type { AdapterPayload, OidcModelStore } from '../storage/types.js';

/** The secret each request wrote its client with, for the token it saves after it. */
const writtenSecrets = new WeakMap<object, string>();
/** The secret digest of the registration access token each request presented. */
const presentedSecrets = new WeakMap<object, string>();

const currentRequest = () => (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
const digestOf = (secret: unknown) => createHash('sha256').update(typeof secret === 'string' ? secret : '').digest('base64url');

async function storedSecretDigest(clients: OidcModelStore, clientId: unknown): Promise<string | undefined> {
  const json = typeof clientId === 'string' ? await clients.findJson(clientId) : undefined;
  const client = json === undefined ? undefined : jsonObject(json);
  return client ? digestOf(client.client_secret) : undefined;
}

export async function writeClient(clients: OidcModelStore, id: string, payload: AdapterPayload): Promise<void> {
  const ctx = currentRequest();
  if (ctx) writtenSecrets.set(ctx, digestOf(payload.client_secret));
  const loaded = ctx?.oidc?.route === 'client_update' ? ctx.oidc.client : undefined;
  if (!loaded) return clients.upsert(id, payload);
  const current = await clients.findJson(id);
  if (current === undefined || jsonObject(current)?.client_secret !== loaded.clientSecret || !(await clients.replaceIfUnchanged(id, current, payload))) {
    throw new errors.InvalidRequest('the client was changed or deleted meanwhile: read it again and retry');
  }
}

/**
 * A client deletes itself (RFC 7592 DELETE) only as the request loaded it: one that an admin's
 * rotation overtook would delete the client the admin just gave a new secret to (a third review).
 */
export async function deleteClient(clients: OidcModelStore, id: string): Promise<void> {
  const ctx = currentRequest();
  const loaded = ctx?.oidc?.route === 'client_delete' ? ctx.oidc.client : undefined;
  if (!loaded) return clients.destroy(id);
  const current = await clients.findJson(id);
  if (current === undefined) return;
  if (jsonObject(current)?.client_secret !== loaded.clientSecret || !(await clients.destroyIfUnchanged(id, current))) {
    throw new errors.InvalidRequest('the client was changed meanwhile: read it again and retry');
  }
}

export async function writeRegistrationAccessToken(tokens: OidcModelStore, clients: OidcModelStore, id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
  const ctx = currentRequest();
  const secretDigest = (ctx && writtenSecrets.get(ctx)) ?? (await storedSecretDigest(clients, payload.clientId));
  return tokens.upsert(id, secretDigest === undefined ? payload : { ...payload, secretDigest }, expiresIn);
}

export async function findRegistrationAccessToken(tokens: OidcModelStore, clients: OidcModelStore, id: string): Promise<AdapterPayload | undefined> {
  const token = await tokens.find(id);
  if (!token || typeof token.secretDigest !== 'string') return token;
  if (token.secretDigest !== (await storedSecretDigest(clients, token.clientId))) return undefined;
  const ctx = currentRequest();
  if (ctx) presentedSecrets.set(ctx, token.secretDigest);
  return token;
}

/**
 * In a request that presented a registration access token, the client it reads (to answer it, or
 * to change it) is no client unless its secret is the one the token was issued with: the engine
 * then answers 401 and deletes the token.
 */
export function bindRegistrationRequests(provider: Provider): void {
  const { Client } = provider;
  const find = Client.find.bind(Client);
  Client.find = async (id: string) => {
    const client = await find(id);
    const ctx = currentRequest();
    const presented = ctx && presentedSecrets.get(ctx);
    return client && presented !== undefined && digestOf(client.clientSecret) !== presented ? undefined : client;
  };
}
