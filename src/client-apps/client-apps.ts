/**
 * Registering client applications the admin way (CLI, demo seed): the same policy as dynamic
 * registration, oidc-provider's own schema validation, and the first-party decision that only
 * an admin can make.
 */
import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import { AppError } from '../errors.js';
import type { Idp } from '../idp.js';

/** What registering needs of the IdP: its store of clients and the registration policy. */
export type ClientAppDeps = Pick<Idp, 'clients' | 'registrationPolicy'>;
import { BROWSER_GRANT_TYPES } from './grant-policy.js';
import { revokeClientRecords } from '../oidc/revoke-client.js';

/** How the app gets tokens: signing people in (with refresh tokens), as itself (RFC 6749 section 4.4), or both. */
export type ClientGrant = 'authorization_code' | 'client_credentials';

export interface ClientAppInput {
  id?: string;
  name: string;
  /** authorization_code unless given; a client_credentials-only client has no redirect URIs. */
  grants?: ClientGrant[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  /** A public client (no secret, token_endpoint_auth_method none): PKCE is its protection. */
  isPublic?: boolean;
  firstParty?: boolean;
  /** A secret of the caller's choosing (the demo's sites); otherwise one is generated. */
  secret?: string;
}

export interface ClientApp {
  metadata: ClientMetadata;
  firstParty: boolean;
  /** The stored version read (registry.ts findVersioned): a change is written only onto it. */
  version?: string;
}

export const newClientSecret = () => randomBytes(32).toString('base64url');
/**
 * Random, and never starting with "-" or "_": an id like "-x..." reads as an option to the admin
 * CLI. Also the id of every dynamically registered client (oidc/registration.ts), whose engine
 * default (nanoid's alphabet) began with "-" one time in 64.
 */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(12).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

function describeInvalid(error: unknown): AppError {
  const { error: code, error_description: description } = error as { error?: string; error_description?: string };
  if (code && description) return new AppError('invalid_input', `${code}: ${description}`);
  return error instanceof AppError ? error : new AppError('invalid_input', String((error as Error).message ?? error));
}

/**
 * Validates against our policy and oidc-provider's schema, then stores. `current`: the stored
 * client being changed, written over only if it is still the version read; 'new': a create,
 * written only if no client has the id (AppError `conflict`); 'replace': written whatever is there.
 */
async function store(idp: ClientAppDeps, metadata: ClientMetadata, firstParty: boolean, current: Pick<ClientApp, 'metadata' | 'version'> | 'new' | 'replace'): Promise<ClientApp> {
  const violation = await idp.registrationPolicy.check(metadata, { by: 'admin', firstParty, current: typeof current === 'object' ? current.metadata : undefined });
  if (violation) throw new AppError('invalid_input', `${violation.error}: ${violation.description}`);
  try {
    const condition = current === 'new' ? { ifAbsent: true } : current === 'replace' || current.version === undefined ? {} : { ifVersion: current.version };
    await idp.clients.save(metadata, { firstParty, ...condition });
  } catch (error) {
    throw describeInvalid(error);
  }
  return { metadata, firstParty };
}

export async function findClientApp(idp: ClientAppDeps, clientId: string): Promise<ClientApp> {
  const found = await idp.clients.findVersioned(clientId);
  if (!found) throw new AppError('not_found', `No client with id "${clientId}"`, { expose: true });
  return { ...found, firstParty: await idp.clients.isFirstParty(clientId) };
}

/** `replace`: overwrite an existing client with this id (the demo seed at every start). */
export async function addClientApp(idp: ClientAppDeps, input: ClientAppInput, options: { replace?: boolean } = {}): Promise<ClientApp> {
  const clientId = input.id ?? newClientId();
  const existing = await idp.clients.find(clientId);
  if (existing && !options.replace) throw new AppError('conflict', `A client with id "${clientId}" already exists`);
  const grants = input.grants ?? ['authorization_code'];
  const signsPeopleIn = grants.includes('authorization_code');
  const metadata: ClientMetadata = {
    client_id: clientId,
    client_name: input.name,
    redirect_uris: input.redirectUris ?? [],
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    grant_types: [...(signsPeopleIn ? BROWSER_GRANT_TYPES : []), ...(grants.includes('client_credentials') ? ['client_credentials'] : [])],
    // RFC 7591 section 2.1: a client_credentials-only client uses no response type.
    response_types: signsPeopleIn ? ['code'] : [],
    token_endpoint_auth_method: input.isPublic ? 'none' : 'client_secret_basic',
    ...(input.isPublic ? {} : { client_secret: input.secret ?? newClientSecret() }),
    ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
  // The check above gives the usual answer early; the write itself decides a create racing another.
  return store(idp, metadata, input.firstParty ?? false, existing ? { metadata: existing } : options.replace ? 'replace' : 'new');
}

export async function updateClientApp(
  idp: ClientAppDeps,
  clientId: string,
  changes: Partial<Omit<ClientAppInput, 'id' | 'isPublic' | 'secret' | 'grants'>>,
): Promise<ClientApp> {
  const current = await findClientApp(idp, clientId);
  const metadata: ClientMetadata = { ...current.metadata };
  if (changes.name !== undefined) metadata.client_name = changes.name;
  if (changes.redirectUris !== undefined) metadata.redirect_uris = changes.redirectUris;
  if (changes.postLogoutRedirectUris !== undefined) metadata.post_logout_redirect_uris = changes.postLogoutRedirectUris;
  if (changes.backchannelLogoutUri !== undefined) {
    Object.assign(metadata, { backchannel_logout_uri: changes.backchannelLogoutUri, backchannel_logout_session_required: true });
  }
  return store(idp, metadata, changes.firstParty ?? current.firstParty, current);
}

/**
 * A new secret, and the end of the client's registration access tokens (RFC 7592): whoever holds
 * one reads the client's metadata, the new secret included, and a secret rotated because it leaked
 * most likely leaked with it. A dynamically registered app registers again, or an admin manages it.
 */
export async function rotateClientSecret(idp: ClientAppDeps & Pick<Idp, 'storage'>, clientId: string): Promise<ClientApp> {
  assertHasSecret(await findClientApp(idp, clientId));
  // Before the new secret too, so that no token read in between sees it (one issued by this
  // version also ends by itself with the secret it was issued with: oidc/registration-writes.ts).
  const tokens = idp.storage.modelStore('RegistrationAccessToken');
  await tokens.revokeByClientId(clientId);
  const rotated = await writeNewSecret(idp, clientId);
  await tokens.revokeByClientId(clientId);
  return rotated;
}

/**
 * Tries this often before answering `conflict`: a rotation means "a new secret on the client as it
 * is", so one that another change overtook reads the client again. A 409 left the secret the
 * rotation was to end in force, perhaps the leaked one, until the admin thought of retrying.
 */
const ROTATION_ATTEMPTS = 3;

function assertHasSecret(app: ClientApp): void {
  if (app.metadata.token_endpoint_auth_method === 'none') throw new AppError('invalid_input', `"${app.metadata.client_id}" is a public client: it has no secret`);
}

async function writeNewSecret(idp: ClientAppDeps, clientId: string): Promise<ClientApp> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await findClientApp(idp, clientId);
    assertHasSecret(current);
    try {
      return await store(idp, { ...current.metadata, client_secret: newClientSecret() }, current.firstParty, current);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'conflict') || attempt === ROTATION_ATTEMPTS) throw error;
    }
  }
}

/**
 * Deletes a client with what hangs on its id: its API grants go and its Management API tokens end
 * (api-access.ts), and so do the grants people gave it and every token and code it holds
 * (oidc/revoke-client.ts). Refused while an API names it as the client that introspects its tokens: a
 * client created later under the same id would read that API's tokens.
 */
export async function removeClientApp(idp: ClientAppDeps & Pick<Idp, 'resourceServers' | 'apiAccess' | 'storage'>, clientId: string): Promise<void> {
  await findClientApp(idp, clientId);
  const introspected = (await idp.resourceServers.list()).filter((server) => server.clientId === clientId).map((server) => server.identifier);
  if (introspected.length > 0) {
    throw new AppError('conflict', `"${clientId}" introspects the tokens of ${introspected.join(', ')}: name another client there (or remove that API) first`);
  }
  const revokeWhatItHolds = async () => {
    await revokeClientRecords(idp.storage, clientId);
    await idp.apiAccess.forget(clientId);
  };
  // What it holds goes first: a deletion that fails part way leaves the client there, so a retry
  // finds it and revokes again (the other way round, a retry got 404 and the tokens stayed).
  await revokeWhatItHolds();
  await idp.clients.remove(clientId);
  // Until the removal the client could still authenticate, and a code redeemed or a token asked
  // for meanwhile wrote records after the first pass: one more, now that nothing new can come.
  await revokeWhatItHolds();
}
