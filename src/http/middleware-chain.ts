/**
 * Middlewares run in order, each one's `next` the rest of the chain, as koa-compose runs them, but
 * without wrapping each layer's answer in a promise of its own. On the way to oidc-provider every
 * request passes layers that nearly always just call `next()` (the JWKS cache header, the request
 * limits); through koa-compose each cost a promise, and with oidc-provider's AsyncLocalStorage on,
 * every promise runs Node's promise hooks (issue 10). A layer's synchronous throw reaches the caller
 * synchronously: the request frame (request-frame.ts) catches both kinds.
 */
import type { Middleware, Next } from 'koa';

export function chain(layers: readonly Middleware[]): Middleware {
  const end: Middleware = (_ctx, next) => next();
  return layers.reduceRight<Middleware>(
    (rest, layer) => (ctx, next: Next) => layer(ctx, () => Promise.resolve(rest(ctx, next))),
    end,
  );
}
