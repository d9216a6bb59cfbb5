/**
 * Discovery and the JWKS answered from memory. Both are fixed for one provider instance: its
 * configuration and its keys are read when it is built, a key rotation builds a new instance
 * (oidc/live-provider.ts), and the URLs in discovery name the issuer whatever the request said
 * (issuer-host.ts runs before this layer). Yet every RP and resource server fetches them, and the
 * engine rebuilds and re-serialises each one per request: with our frame in front, that put
 * discovery and JWKS at 0.75x the bare engine (issue 10, bench/README.md).
 *
 * So the first GET of each goes to the provider as before, and its 200 answer (body, Content-Type,
 * and the Cache-Control the JWKS layer adds) is kept, keyed by the provider instance that gave
 * it; later GETs get those bytes, with CORS as the provider's open CORS gives it (lib/shared/
 * cors.js: `Vary: Origin`, and the request's Origin or `*` allowed). HEAD, OPTIONS and every
 * other method still reach the provider. A new provider after a key rotation starts empty, and
 * the old instance's documents go with it (a WeakMap).
 */
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { providerPath } from './our-paths.js';

interface Document {
  readonly body: Buffer;
  readonly type: string;
  readonly cacheControl: string | undefined;
}

/** The documents of one provider instance, by path (as providerPath spells it). */
type Documents = Map<string, Document>;

/**
 * Paths whose answer depends on nothing in the request but its Origin (CORS), as the provider's
 * router sees them: it is mounted at the root whatever path the issuer has.
 */
function documentPaths(provider: Provider): ReadonlySet<string> {
  return new Set([provider.pathFor('jwks', { mountPath: '' }), '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'].map(providerPath));
}

function keep(ctx: Context, issuerOrigin: string): Document | undefined {
  // What discovery says is built from ctx.href: kept only when that was the issuer's own origin
  // and an origin-form target (issuer-host.ts and well-formed-request.ts make it so; this keeps a
  // gap in either from being served to everyone).
  // (Not ctx.origin: in Koa 3 that is the Origin header.)
  if (!ctx.originalUrl.startsWith('/') || `${ctx.protocol}://${ctx.host}` !== issuerOrigin) return undefined;
  const { body } = ctx;
  // Only a JSON body the provider built (a stream or buffer is nothing it answers here), and
  // never an answer that set a cookie: whatever did is not the same for everyone.
  if (ctx.status !== 200 || body === null || typeof body !== 'object' || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  if (ctx.response.get('Set-Cookie')) return undefined;
  const cacheControl = ctx.response.get('Cache-Control');
  return { body: Buffer.from(JSON.stringify(body)), type: ctx.response.get('Content-Type'), cacheControl: cacheControl || undefined };
}

function answer(ctx: Context, document: Document): void {
  ctx.vary('Origin');
  ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
  if (document.cacheControl) ctx.set('Cache-Control', document.cacheControl);
  ctx.set('Content-Type', document.type);
  ctx.status = 200;
  ctx.body = document.body;
}

export function providerDocuments(issuer: string, current: () => Provider): Middleware {
  const issuerOrigin = new URL(issuer).origin;
  const byProvider = new WeakMap<Provider, { paths: ReadonlySet<string>; documents: Documents }>();
  const cacheOf = (provider: Provider) => {
    let cache = byProvider.get(provider);
    if (!cache) byProvider.set(provider, (cache = { paths: documentPaths(provider), documents: new Map() }));
    return cache;
  };

  return (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    const provider = current();
    const { paths, documents } = cacheOf(provider);
    const path = providerPath(ctx.path);
    if (!paths.has(path)) return next();
    const kept = documents.get(path);
    if (kept) {
      answer(ctx, kept);
      return Promise.resolve();
    }
    return next().then(() => {
      // Kept only when the provider that answered is still the current one: a rotation while
      // the request ran must not file the old instance's keys under the new one.
      if (current() !== provider) return;
      const document = keep(ctx, issuerOrigin);
      if (document) documents.set(path, document);
    });
  };
}
