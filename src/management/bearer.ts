/**
 * Who is calling the Management API: an OAuth 2.0 bearer token (RFC 6750) that this IdP issued
 * through client_credentials for the API's identifier, as an RFC 9068 JWT verified here with the
 * IdP's own published keys (no network, no introspection). A JWT can't be looked up, so on top
 * of the signature and claims, each call checks the live state behind the token:
 * - the client still exists and still has the client_credentials grant;
 * - its token generation (`gen`) is the current one: rotating the secret or revoking the client's
 *   tokens ends every token it holds at once;
 * - the scopes used are still granted to it (client-apps/api-access.ts): taking one away takes
 *   effect on the next call, not when the token expires.
 * Failures follow RFC 6750 section 3.1: no bearer token at all (no header, or another scheme) is a
 * 401 with a bare challenge; a malformed Authorization header 400 `invalid_request`; a token that
 * is not good here 401 `invalid_token`; missing scopes 403 `insufficient_scope` naming the scope.
 */
import type { Context } from 'koa';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import type { ApiAccess } from '../client-apps/api-access.js';
import type { ClientRegistry } from '../client-apps/registry.js';
import type { LiveProvider } from '../oidc/live-provider.js';
import { isManagementScope, MANAGEMENT_TOKEN_TTL_SECONDS, type ManagementScope } from './management-api.js';
import { ApiProblem } from './problem.js';

export interface ManagementCaller {
  clientId: string;
  /** The token's scopes that are still granted to the client. */
  scopes: ReadonlySet<ManagementScope>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** A bearer token is base64url parts joined by dots (RFC 6750 section 2.1's b64token, narrowed to a JWS). */
const BEARER = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+) *$/i;
const BEARER_SCHEME = /^Bearer(?: |$)/i;
/** Seconds of clock difference tolerated between IdP instances. */
const CLOCK_TOLERANCE = 5;

/** RFC 6750 section 3: error_description is printable ASCII without `"` and `\`. */
const quotable = (text: string) => text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
const MAX_TOKEN_LENGTH = 8 * 1024;

function publicKeys(jwks: { keys: Record<string, unknown>[] }): JSONWebKeySet {
  return { keys: jwks.keys.map((key) => Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.includes(name) && name !== 'key_ops')) as JWK) };
}

export function createBearerCheck(deps: { identifier: string; issuer: string; live: LiveProvider; clients: ClientRegistry; apiAccess: ApiAccess }) {
  const { identifier, issuer, live, clients, apiAccess } = deps;
  const realm = `realm="${identifier}"`;
  let keySource = live.signingKeys();
  let keys = createLocalJWKSet(publicKeys(keySource));

  const invalid = (description: string) =>
    new ApiProblem(401, 'invalid_token', description, { headers: { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_token", error_description="${quotable(description)}"` } });
  const noToken = () =>
    new ApiProblem(401, 'token_required', `This API needs an access token: Authorization: Bearer <token> (client_credentials, resource ${identifier})`, {
      headers: { 'WWW-Authenticate': `Bearer ${realm}` },
    });

  async function verify(token: string) {
    // The provider swaps keys on rotation; verify with the ones it publishes now.
    if (live.signingKeys() !== keySource) {
      keySource = live.signingKeys();
      keys = createLocalJWKSet(publicKeys(keySource));
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: identifier,
        typ: 'at+jwt',
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'sub'],
        // The IdP issues them for 10 minutes: a longer-lived one (or one from the future) it never made.
        maxTokenAge: MANAGEMENT_TOKEN_TTL_SECONDS,
        clockTolerance: CLOCK_TOLERANCE,
      });
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > MANAGEMENT_TOKEN_TTL_SECONDS) throw invalid('The access token lives longer than this API accepts');
      return payload;
    } catch (error) {
      if (error instanceof ApiProblem) throw error;
      if (error instanceof joseErrors.JWTExpired) throw invalid('The access token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw invalid(`The access token is not for this API (${error.claim})`);
      throw invalid('The access token is not valid');
    }
  }

  /** The caller, or an ApiProblem (401). */
  return async function authenticate(ctx: Context): Promise<ManagementCaller> {
    const header = ctx.get('Authorization');
    if (!BEARER_SCHEME.test(header)) throw noToken();
    const match = header.length <= MAX_TOKEN_LENGTH ? BEARER.exec(header) : null;
    if (!match) {
      throw new ApiProblem(400, 'invalid_request', 'The Authorization header is not Bearer followed by one JWT access token', {
        headers: { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_request"` },
      });
    }
    const payload = await verify(match[1]!);
    const clientId = payload.client_id;
    // RFC 9068 section 2.2: a client's own token has the client as its subject; a person's never is.
    if (typeof clientId !== 'string' || payload.sub !== clientId) throw invalid('The access token was not issued to a client acting as itself');
    const client = await clients.find(clientId);
    if (!client || !(client.grant_types ?? []).includes('client_credentials')) throw invalid('The client of this access token no longer exists');
    if (payload.gen !== (await apiAccess.generation(clientId))) throw invalid('The access token was revoked');
    const granted = new Set(await apiAccess.allowed(clientId, identifier));
    const scopes = new Set(
      (typeof payload.scope === 'string' ? payload.scope.split(' ') : []).filter((scope): scope is ManagementScope => isManagementScope(scope) && granted.has(scope)),
    );
    return { clientId, scopes };
  };
}

export function requireScope(caller: ManagementCaller, scope: ManagementScope, identifier: string): void {
  if (caller.scopes.has(scope)) return;
  throw insufficientScope(`This call needs the scope ${scope}`, scope, identifier);
}

export function insufficientScope(detail: string, scope: string, identifier: string): ApiProblem {
  return new ApiProblem(403, 'insufficient_scope', detail, {
    headers: { 'WWW-Authenticate': `Bearer realm="${identifier}", error="insufficient_scope", scope="${scope}"` },
    extra: { scope },
  });
}
