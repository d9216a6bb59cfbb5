/**
 * RFC 6749 section 5.2: a client that is "not authorized to use this authorization grant type"
 * gets `unauthorized_client`. oidc-provider answers that case with `invalid_request` (9.13,
 * lib/actions/token.js, allowedGrantTypeCheck), which tells a client its request is malformed
 * when it is its registration that lacks the grant. This renames the code of that one answer
 * and leaves its status (400) and description as they are; a test pins the upstream wording.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { providerPath } from '../http/our-paths.js';

const UPSTREAM_DESCRIPTION = 'requested grant type is not allowed for this client';

/** Runs on every provider request: anything but a token request passes without an async wrapper (issue 10). */
export function unauthorizedClientForUnregisteredGrants(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  if (ctx.method !== 'POST' || providerPath(ctx.path) !== '/token') return next();
  return next().then(() => {
    if (ctx.oidc?.route !== 'token' || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error === 'invalid_request' && body.error_description === UPSTREAM_DESCRIPTION) {
      ctx.body = { ...body, error: 'unauthorized_client' };
    }
  });
}
