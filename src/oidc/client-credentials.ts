/**
 * What a client_credentials token request (RFC 6749 section 4.4) must name before oidc-provider
 * issues a token: one of our resource servers and scopes that server offers. oidc-provider's own
 * handler (lib/actions/grants/client_credentials.js) is more lenient on each point, so these run
 * from the resource indicator hooks it calls first (features.resourceIndicators.defaultResource
 * when the request has no `resource`, getResourceServerInfo for each one it has):
 *
 * - No `resource`: oidc-provider would issue an opaque token with no audience, which no API of
 *   ours accepts (each checks `aud`, RFC 9068 section 4) and userinfo refuses: a token for
 *   nothing, so the request is refused with invalid_target (RFC 8707 section 2), naming the fix.
 * - Scopes the resource server doesn't offer: oidc-provider silently drops them; we answer
 *   invalid_scope (RFC 6749 section 5.2), so a typo is seen at once rather than as a 403 later.
 * - More than one `resource`: one token per API (as oidc-provider has it), refused first.
 * - No `scope`: RFC 6749 section 3.3 lets the server use a default or refuse. The default would
 *   be either nothing (a useless token) or everything the API offers (least privilege lost, RFC
 *   9700 section 2.3), so the request is refused with invalid_scope.
 * - Public clients: the registration policy never lets one register the grant (RFC 6749 section
 *   4.4: confidential clients only). A client stored some other way is still refused here with
 *   unauthorized_client, since "none" would mean tokens for anyone who knows a client_id.
 *
 * - Scopes the client was not granted there (client-apps/api-access.ts): invalid_scope; no grant
 *   for that API at all: invalid_target. An admin grants them; registering the client grants
 *   nothing.
 *
 * A resource server marked `clientCredentialsOnly` (the Management API) is refused to every other
 * route: a person consenting to a third-party app must never hand it admin scopes.
 *
 * Refresh and ID tokens are never issued for this grant (RFC 6749 section 4.4.3; there is no
 * person): oidc-provider's handler builds an access token only.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ApiAccess } from '../client-apps/api-access.js';
import type { ResourceServerRecord } from '../client-apps/resource-servers.js';

const CLIENT_CREDENTIALS = 'client_credentials';

const scopesOf = (value: unknown) => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);
/** `scope`: the scopes refused, a member of the error body; without one the body has none (lib/helpers/err_out.js). */
const invalidScope = (description: string, scope?: string) => new errors.InvalidScope(description, scope as string);

const isClientCredentials = (ctx: KoaContextWithOIDC) => ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === CLIENT_CREDENTIALS;

/** `server`: the resource server the request named, or undefined when it named none. */
export function checkClientCredentialsRequest(ctx: KoaContextWithOIDC, server: ResourceServerRecord | undefined): void {
  const { oidc } = ctx;
  if (!isClientCredentials(ctx)) {
    if (server?.clientCredentialsOnly) throw new errors.InvalidTarget(`${server.identifier} issues tokens to admin clients through client_credentials only`);
    return;
  }
  const params = oidc.params!;
  if (oidc.client?.clientAuthMethod === 'none') {
    throw new errors.UnauthorizedClient('client_credentials is for confidential clients only (RFC 6749 section 4.4)');
  }
  if (!server) {
    throw new errors.InvalidTarget('client_credentials needs a resource parameter naming the API the token is for (RFC 8707)');
  }
  // oidc-provider refuses a second resource too, but only after every one passed the scope check.
  if (Array.isArray(params.resource) && params.resource.length > 1) {
    throw new errors.InvalidTarget('client_credentials issues a token for one resource at a time');
  }
  const requested = scopesOf(params.scope);
  if (requested.length === 0) {
    throw invalidScope(`client_credentials needs a scope: name what you need of ${server.identifier} (it offers ${server.scope})`);
  }
  const offered = new Set(scopesOf(server.scope));
  const unknown = requested.filter((scope) => !offered.has(scope));
  if (unknown.length > 0) {
    throw invalidScope(`${server.identifier} does not offer ${unknown.join(' ')} (it offers ${server.scope})`, unknown.join(' '));
  }
}

/** After checkClientCredentialsRequest passed: the scopes asked for must all be granted to the client there. */
export async function checkApiGrant(ctx: KoaContextWithOIDC, server: ResourceServerRecord, access: ApiAccess): Promise<void> {
  if (!isClientCredentials(ctx)) return;
  const clientId = ctx.oidc.client!.clientId;
  const allowed = new Set(await access.allowed(clientId, server.identifier));
  if (allowed.size === 0) {
    throw new errors.InvalidTarget(`this client has no access to ${server.identifier}: an admin grants it (npm run admin -- clients grant-api ${clientId} --resource ${server.identifier} --scope ...)`);
  }
  const refused = scopesOf(ctx.oidc.params!.scope).filter((scope) => !allowed.has(scope));
  if (refused.length > 0) {
    throw invalidScope(`this client is not granted ${refused.join(' ')} at ${server.identifier} (it is granted ${[...allowed].join(' ')})`, refused.join(' '));
  }
}
