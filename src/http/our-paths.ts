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

type Layer = Router['stack'][number];

/**
 * A layer's first path segment when it is plain text (letters, digits, `-`, `_`): in a route's path,
 * followed by `/` or the end; in the expression of a `router.use()` under a prefix, the whole of it
 * (`/<prefix>(?:\/|$)`, as @koa/router writes it). Anything else (a parameter, a pattern, a RegExp,
 * another expression) is undefined.
 */
const PLAIN_FIRST_SEGMENT = /^\/([A-Za-z0-9_-]*)(?:$|\/)/;
const PLAIN_PREFIX_EXPRESSION = /^\/([A-Za-z0-9_-]+)\(\?:\\\/\|\$\)$/;

function plainFirstSegment(layer: Layer): string | undefined {
  if (typeof layer.path !== 'string') return undefined;
  return (layer.opts.pathAsRegExp ? PLAIN_PREFIX_EXPRESSION : PLAIN_FIRST_SEGMENT).exec(layer.path)?.[1]?.toLowerCase();
}

export function ourPaths(routers: readonly Router[]): (path: string) => boolean {
  // A layer can match only paths that start with its first segment, so each path is tried against
  // the layers of its own first segment (and those whose first segment is not plain text), not
  // against all of them: a sign-in asks about three paths of its own (/auth/<uid>,
  // /interaction/<uid>, its /login), which no table of answers can keep, and walking every layer's
  // expression for each was ~60 µs of a sign-in's event loop under load (issue 10). Keyed in
  // lower case, whatever the router's case option: that only adds a layer to try, whose own
  // expression then decides, case included.
  const bySegment = new Map<string, Layer[]>();
  const anywhere: Layer[] = [];
  for (const layer of routers.flatMap((router) => router.stack)) {
    const segment = plainFirstSegment(layer);
    if (segment === undefined) anywhere.push(layer);
    else if (bySegment.has(segment)) bySegment.get(segment)!.push(layer);
    else bySegment.set(segment, [layer]);
  }
  return (path) => {
    const end = path.indexOf('/', 1);
    const segment = (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
    return (bySegment.get(segment)?.some((layer) => layer.match(path)) ?? false) || anywhere.some((layer) => layer.match(path));
  };
}

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
