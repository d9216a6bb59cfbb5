/**
 * WebFinger issuer discovery (OpenID Connect Discovery 1.0 section 2, RFC 7033): which issuer
 * serves a user or URL of our hosts. The answer never depends on whether an account exists: every
 * acct: resource of a served host gets the same issuer, so WebFinger can't be used to probe emails.
 */
import Router from '@koa/router';
import type { Context } from 'koa';

export const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer';

/** The host a resource names: acct:user@host (RFC 7565) or an https URL. */
export function resourceHost(resource: string): string | undefined {
  if (resource.startsWith('acct:')) {
    const at = resource.lastIndexOf('@');
    const host = at > 'acct:'.length ? resource.slice(at + 1) : '';
    return host && !/[\s/?#]/.test(host) ? host.toLowerCase() : undefined;
  }
  const url = URL.parse(resource);
  return url && url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
}

function answer(ctx: Context, status: number, body?: object) {
  ctx.status = status;
  // RFC 7033 section 5: WebFinger is for any origin.
  ctx.set('Access-Control-Allow-Origin', '*');
  if (body) {
    ctx.type = 'application/jrd+json';
    ctx.body = JSON.stringify(body);
  } else {
    ctx.body = '';
  }
}

export function createWebfingerRouter(options: { issuer: string; hosts: readonly string[] }): Router {
  const router = new Router({ sensitive: true });
  router.get('/.well-known/webfinger', (ctx) => {
    const resource = ctx.query.resource;
    // RFC 7033 section 4.2: a missing or malformed resource is a bad request.
    if (typeof resource !== 'string' || resource.length === 0 || resource.length > 512) return answer(ctx, 400);
    const host = resourceHost(resource);
    if (!host) return answer(ctx, 400);
    if (!options.hosts.includes(host)) return answer(ctx, 404);
    const rels = ([] as string[]).concat(ctx.query.rel ?? []);
    // RFC 7033 section 4.3: `rel` filters the links; without it all links are returned.
    const links = rels.length === 0 || rels.includes(ISSUER_REL) ? [{ rel: ISSUER_REL, href: options.issuer }] : [];
    ctx.set('Cache-Control', 'public, max-age=3600');
    answer(ctx, 200, { subject: resource, links });
  });
  return router;
}
