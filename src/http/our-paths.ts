/**
 * Which requests our own routers may answer. Everything else (discovery, JWKS, /auth, /token, /me,
 * introspection, registration, ...) is oidc-provider's and goes straight to it: walking every
 * such request past our routers first was most of our overhead against the bare engine on
 * JWKS, discovery, userinfo and introspection (issue 10, found with `npm run bench -- --cpu-prof`).
 *
 * The test is the routers' own: a path is ours when any layer of our routers matches it, with the
 * very regular expressions (case, trailing slash, prefixes of `router.use`) the router would try,
 * whatever the method, so a 405 from allowedMethods() still comes from ours. Nothing is listed by
 * hand, so a route added to a router is routed to it without touching this file.
 */
import type Router from '@koa/router';

export function ourPaths(routers: readonly Router[]): (path: string, target?: string) => boolean {
  const layers = routers.flatMap((router) => router.stack);
  // Walking every layer's expression costs a few µs a request, and nearly every request asks
  // about a path asked about before (/token, /me, /jwks): the answers are kept. Bounded: the
  // paths anyone may send are endless (each sign-in has its own /interaction/<uid>), so the
  // table starts again when full, and only a short request target is kept. The whole target
  // (`ctx.url`), not just the path: a path cut from a longer target may share that target's
  // memory (V8 slices strings), so a short path with a 15 KB query would keep the 15 KB.
  const known = new Map<string, boolean>();
  return (path, target = path) => {
    let ours = known.get(path);
    if (ours === undefined) {
      ours = layers.some((layer) => layer.match(path));
      if (target.length <= KEPT_TARGET_LENGTH) {
        if (known.size >= KEPT_PATHS) known.clear();
        known.set(path, ours);
      }
    }
    return ours;
  };
}

/** At most this many answers kept, for request targets of at most this many characters: ~256 KB at worst. */
export const KEPT_PATHS = 1_000;
export const KEPT_TARGET_LENGTH = 256;

/**
 * A path as oidc-provider's router matches it, for checks keyed on one of its endpoints (the
 * request limits at /auth and /reg, the JWKS cache header): its router ignores case and one
 * trailing slash (lib/helpers/router.js), so `/AUTH/` is the authorization endpoint, and a check
 * comparing `ctx.path === '/auth'` could be dodged by spelling it so. Lower-casing every character
 * matches a little more than the router does (it keeps non-ASCII letters whose upper case is
 * ASCII), which only ever applies a check to a path the provider then answers with a 404. It also
 * picks the paths answered from memory (provider-documents.ts): no such letter gets that far, as
 * Node reads the request target as Latin-1, and no Latin-1 letter lower-cases to ASCII.
 */
export function providerPath(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.toLowerCase();
}
