/**
 * Which APIs (resource servers) each client may get client_credentials tokens for, and with which
 * scopes: granted by an admin only, like Auth0's client grants. Without a grant a machine client
 * gets no token at all, so registering a client_credentials client never hands it every scope of
 * every API (least privilege, RFC 9700 section 2.3). Checked when a token is issued
 * (oidc/client-credentials.ts) and again on every Management API call (management/bearer.ts), so
 * taking a scope away takes effect at once even for tokens already issued.
 *
 * Also each client's token generation: rotating its secret or revoking its tokens replaces it,
 * and the Management API refuses a token minted under another one (its `gen` claim), so those
 * tokens stop working at once although a JWT can't be looked up or revoked at /token/revocation.
 * A generation is a fresh random value in a record of its own, not a counter in the grants'
 * record: a replacement is one blind write, so no concurrent change (a grant, another
 * revocation) can write an older generation back and revive revoked tokens.
 *
 * Kept apart from client metadata, like first-party trust (trust.ts): a client updating itself
 * through RFC 7592 must not be able to write it.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import type { ResourceServers } from './resource-servers.js';

const MODEL = 'ClientApiAccess';
const GENERATION_MODEL = 'ClientTokenGeneration';
/** A client whose tokens were never revoked. */
const FIRST_GENERATION = '0';

export interface ApiGrant {
  /** The resource server's identifier (RFC 8707 `resource`). */
  resource: string;
  /** Scopes the client may ask for there; never empty. */
  scopes: string[];
}

export interface ApiAccess {
  /** The scopes `clientId` may get for `resource`; empty when it has no grant there. */
  allowed(clientId: string, resource: string): Promise<string[]>;
  list(clientId: string): Promise<ApiGrant[]>;
  /** Replaces the client's grant for `resource`; empty scopes take it away. */
  setGrant(clientId: string, grant: ApiGrant): Promise<void>;
  /** The current token generation. */
  generation(clientId: string): Promise<string>;
  /** Every Management API token minted before now stops working. */
  bumpGeneration(clientId: string): Promise<void>;
  /**
   * The client is gone: its grants go, and its generation moves on, so a client created again
   * under the same id can't revive the tokens of the one deleted.
   */
  forget(clientId: string): Promise<void>;
  /**
   * A resource server changed its scopes or went: every client's grant there keeps only the
   * scopes in `offered`, and a grant left with none goes (an empty `offered`: the server was
   * deleted). Returns the ids of the clients whose grant changed.
   */
  restrictGrants(resource: string, offered: readonly string[]): Promise<string[]>;
}

export function createApiAccess(storage: Storage): ApiAccess {
  const records = storage.modelStore(MODEL);
  const generations = storage.modelStore(GENERATION_MODEL);
  async function read(clientId: string): Promise<ApiGrant[]> {
    const payload = await records.find(clientId);
    return Array.isArray(payload?.apis) ? (payload.apis as ApiGrant[]) : [];
  }
  const bump = (clientId: string) => generations.upsert(clientId, { generation: randomBytes(12).toString('base64url') });
  return {
    async allowed(clientId, resource) {
      return (await read(clientId)).find((grant) => grant.resource === resource)?.scopes ?? [];
    },
    list: read,
    async setGrant(clientId, grant) {
      const others = (await read(clientId)).filter((existing) => existing.resource !== grant.resource);
      const scopes = [...new Set(grant.scopes)];
      await records.upsert(clientId, { apis: scopes.length > 0 ? [...others, { resource: grant.resource, scopes }] : others });
    },
    async generation(clientId) {
      const generation = (await generations.find(clientId))?.generation;
      return typeof generation === 'string' ? generation : FIRST_GENERATION;
    },
    bumpGeneration: bump,
    async forget(clientId) {
      await bump(clientId);
      await records.destroy(clientId);
    },
    async restrictGrants(resource, offered) {
      const keep = new Set(offered);
      const changed: string[] = [];
      // One record per client (bounded by the clients registered); each is read again right
      // before its write, as setGrant does, so a change made since the listing is not undone.
      for (const { id, payload } of await records.list()) {
        if (!Array.isArray(payload.apis) || !(payload.apis as ApiGrant[]).some((grant) => grant.resource === resource)) continue;
        const apis = await read(id);
        const grant = apis.find((existing) => existing.resource === resource);
        if (!grant || grant.scopes.every((scope) => keep.has(scope))) continue;
        const scopes = grant.scopes.filter((scope) => keep.has(scope));
        const others = apis.filter((existing) => existing.resource !== resource);
        await records.upsert(id, { apis: scopes.length > 0 ? [...others, { resource, scopes }] : others });
        changed.push(id);
      }
      return changed;
    },
  };
}

/**
 * The one check of grants, for the API and the CLI: only a client_credentials client gets any,
 * each names a registered API, and asks only for scopes that API offers.
 */
export async function checkApiGrants(resourceServers: ResourceServers, grantTypes: readonly string[], grants: readonly ApiGrant[]): Promise<void> {
  if (grants.length === 0) return;
  if (!grantTypes.includes('client_credentials')) throw new AppError('invalid_input', 'API grants are for clients with the client_credentials grant');
  const seen = new Set<string>();
  for (const grant of grants) {
    if (seen.has(grant.resource)) throw new AppError('invalid_input', `${grant.resource} is named twice`);
    seen.add(grant.resource);
    const server = await resourceServers.find(grant.resource);
    if (!server) throw new AppError('invalid_input', `No API (resource server) is registered as ${grant.resource}`);
    const offered = new Set(server.scope.split(' '));
    const unknown = grant.scopes.filter((scope) => !offered.has(scope));
    if (unknown.length > 0) throw new AppError('invalid_input', `${grant.resource} does not offer ${unknown.join(' ')} (it offers ${server.scope})`);
    if (grant.scopes.length === 0) throw new AppError('invalid_input', `The grant for ${grant.resource} names no scope`);
  }
}
