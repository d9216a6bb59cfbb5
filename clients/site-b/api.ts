/**
 * site-b's JSON API. It accepts the IdP's JWT access tokens (RFC 9068) as Bearer tokens
 * (RFC 6750) and verifies them locally: signature against the IdP's JWKS, `typ` at+jwt, issuer,
 * audience = this API's resource identifier, expiry. No call to the IdP per request.
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
  requiredScope: string;
  /** The IdP's issuer and JWKS, from discovery. */
  keys(): Promise<IdpKeys>;
}

function challenge(ctx: Context, status: 401 | 403, error?: { code: string; description: string; scope?: string }) {
  // RFC 6750 section 3: no error code when the request carried no token at all.
  const params = ['realm="site-b"'];
  if (error) params.push(`error="${error.code}"`, `error_description="${error.description}"`);
  if (error?.scope) params.push(`scope="${error.scope}"`);
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error ? { error: error.code, error_description: error.description } : { error: 'invalid_request', error_description: 'Bearer token required' };
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

  const router = new Router({ prefix: '/api' });
  router.get('/me', async (ctx) => {
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
        return;
      }
      // One answer for expired, forged, tampered or foreign tokens: nothing to probe.
      return challenge(ctx, 401, { code: 'invalid_token', description: 'The access token is invalid or expired' });
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(options.requiredScope)) {
      return challenge(ctx, 403, { code: 'insufficient_scope', description: `This API needs the ${options.requiredScope} scope`, scope: options.requiredScope });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { sub: payload.sub, client_id: payload.client_id, scope: payload.scope, expires_at: payload.exp };
  });
  return router;
}
