/**
 * site-b's JSON API. It accepts the IdP's JWT access tokens (RFC 9068) as Bearer tokens
 * (RFC 6750) and verifies them locally: signature against the IdP's JWKS, `typ` at+jwt, issuer,
 * audience = this API's resource identifier, expiry. No call to the IdP per request.
 *
 * Two callers: `/api/me` answers for a person (a token from a sign-in), `/api/status` for a
 * machine (a client_credentials token, RFC 6749 section 4.4), each with its own scope. A token
 * with no person behind it carries the client's own id as `sub` (RFC 9068 section 2.2), so
 * `/api/me` refuses a token whose `sub` is its `client_id`: a client never passes for a person
 * (RFC 9700 section 4.15). Dynamic registration can't choose a client id; were an admin to give a
 * client a person's id, the rule could only refuse that person here, never accept the client.
 *
 * Local verification can't see a revocation before the token expires; an API that must react to
 * revocation at once should call the IdP's introspection endpoint (RFC 7662) instead, at the
 * cost of one round trip per request. Short access token lifetimes bound the gap.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { IdpKeys } from '../shared/idp-keys.js';

export interface ApiOptions {
  resource: string;
  /** What `/api/me` needs: a person's token with this scope. */
  requiredScope: string;
  /** What `/api/status` needs: any token for this API with this scope (a machine's, typically). */
  statusScope: string;
  /** The IdP's issuer and JWKS, from discovery. */
  keys(): Promise<IdpKeys>;
}

interface Refusal {
  code: string;
  description: string;
  scope?: string;
}

/** Answers with a Bearer challenge; undefined, so a caller can return it as "no token to use". */
function challenge(ctx: Context, status: 401 | 403, error?: Refusal): undefined {
  // RFC 6750 section 3: no error code when the request carried no token at all.
  const params = ['realm="site-b"'];
  if (error) params.push(`error="${error.code}"`, `error_description="${error.description}"`);
  if (error?.scope) params.push(`scope="${error.scope}"`);
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error ? { error: error.code, error_description: error.description } : { error: 'invalid_request', error_description: 'Bearer token required' };
  return undefined;
}

export function createApiRouter(options: ApiOptions): Router {
  async function verify(token: string): Promise<JWTPayload> {
    const { issuer, jwks } = await options.keys();
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      audience: options.resource,
      typ: 'at+jwt',
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
    });
    return payload;
  }

  /**
   * The verified token of this request with `scope` (and a person behind it, when `person`), or
   * undefined when the answer (401, 403 or 503) has been given already.
   */
  async function bearer(ctx: Context, needs: { scope: string; person: boolean }): Promise<JWTPayload | undefined> {
    // RFC 9110 section 11.1: the scheme name is case-insensitive.
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(ctx.get('Authorization'));
    if (!match?.[1]) return challenge(ctx, 401);
    let payload: JWTPayload;
    try {
      payload = await verify(match[1]);
    } catch (error) {
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) {
        // The IdP's metadata or keys could not be fetched: our outage, not the caller's fault.
        ctx.status = 503;
        ctx.body = { error: 'temporarily_unavailable', error_description: 'The token issuer cannot be reached' };
        return undefined;
      }
      // One answer for expired, forged, tampered or foreign tokens: nothing to probe.
      return challenge(ctx, 401, { code: 'invalid_token', description: 'The access token is invalid or expired' });
    }
    if (needs.person && payload.sub === payload.client_id) {
      return challenge(ctx, 401, { code: 'invalid_token', description: 'This API answers for a person: the token was issued to a client for itself' });
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(needs.scope)) {
      return challenge(ctx, 403, { code: 'insufficient_scope', description: `This API needs the ${needs.scope} scope`, scope: needs.scope });
    }
    ctx.set('Cache-Control', 'no-store');
    return payload;
  }

  const router = new Router({ prefix: '/api' });
  router.get('/me', async (ctx) => {
    const payload = await bearer(ctx, { scope: options.requiredScope, person: true });
    if (payload) ctx.body = { sub: payload.sub, client_id: payload.client_id, scope: payload.scope, expires_at: payload.exp };
  });
  router.get('/status', async (ctx) => {
    const payload = await bearer(ctx, { scope: options.statusScope, person: false });
    if (payload) ctx.body = { status: 'ok', client_id: payload.client_id, scope: payload.scope, expires_at: payload.exp };
  });
  return router;
}
