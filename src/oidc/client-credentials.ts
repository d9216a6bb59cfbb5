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
 * Refresh and ID tokens are never issued for this grant (RFC 6749 section 4.4.3; there is no
 * person): oidc-provider's handler builds an access token only.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ResourceServerRecord } from '../client-apps/resource-servers.js';

const CLIENT_CREDENTIALS = 'client_credentials';

const scopesOf = (value: unknown) => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);
/** `scope`: the scopes refused, a member of the error body; without one the body has none (lib/helpers/err_out.js). */
const invalidScope = (description: string, scope?: string) => new errors.InvalidScope(description, scope as string);

/** `server`: the resource server the request named, or undefined when it named none. */
export function checkClientCredentialsRequest(ctx: KoaContextWithOIDC, server: ResourceServerRecord | undefined): void {
  const { oidc } = ctx;
  if (oidc.route !== 'token' || oidc.params?.grant_type !== CLIENT_CREDENTIALS) return;
  if (oidc.client?.clientAuthMethod === 'none') {
    throw new errors.UnauthorizedClient('client_credentials is for confidential clients only (RFC 6749 section 4.4)');
  }
  if (!server) {
    throw new errors.InvalidTarget('client_credentials needs a resource parameter naming the API the token is for (RFC 8707)');
  }
  // oidc-provider refuses a second resource too, but only after every one passed the scope check.
  if (Array.isArray(oidc.params.resource) && oidc.params.resource.length > 1) {
    throw new errors.InvalidTarget('client_credentials issues a token for one resource at a time');
  }
  const requested = scopesOf(oidc.params.scope);
  if (requested.length === 0) {
    throw invalidScope(`client_credentials needs a scope: name what you need of ${server.identifier} (it offers ${server.scope})`);
  }
  const offered = new Set(scopesOf(server.scope));
  const unknown = requested.filter((scope) => !offered.has(scope));
  if (unknown.length > 0) {
    throw invalidScope(`${server.identifier} does not offer ${unknown.join(' ')} (it offers ${server.scope})`, unknown.join(' '));
  }
}
