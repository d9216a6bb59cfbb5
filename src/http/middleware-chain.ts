/**
 * Middlewares run in order, each one's `next` the rest of the chain, as koa-compose runs them, but
 * without wrapping each layer's answer in a promise of its own. On the way to oidc-provider every
 * request passes layers that nearly always just call `next()` (the JWKS cache header, the request
 * limits); through koa-compose each cost a promise, and with oidc-provider's AsyncLocalStorage on,
 * every promise runs Node's promise hooks (issue 10). As in koa-compose, a `next()` is a promise
 * even when what follows throws at once or returns nothing, and a second call of it is refused, so
 * a request can never run the provider twice.
 */
import type { Middleware, Next } from 'koa';

export function chain(layers: readonly Middleware[]): Middleware {
  const end: Middleware = (_ctx, next) => next();
  return layers.reduceRight<Middleware>(
    (rest, layer) => (ctx, next: Next) => {
      let called = false;
      return layer(ctx, () => {
        if (called) return Promise.reject(new Error('next() called multiple times'));
        called = true;
        try {
          return Promise.resolve(rest(ctx, next));
        } catch (error) {
          return Promise.reject(error);
        }
      });
    },
    end,
  );
}
