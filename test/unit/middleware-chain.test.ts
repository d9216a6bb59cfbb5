/**
 * The chain on the way to oidc-provider (src/http/middleware-chain.ts) runs its layers as
 * koa-compose would: in order, each one's `next` the rest, the last one's `next` the caller's, and
 * what a layer does after `await next()` runs after everything behind it.
 */
import type { Context, Middleware } from 'koa';
import { chain } from '../../src/http/middleware-chain.js';

const ctx = {} as Context;

describe('a middleware chain', () => {
  it('runs the layers in order, around what follows them, and ends in the caller\'s next', async () => {
    const seen: string[] = [];
    const around = (name: string): Middleware => async (_ctx, next) => {
      seen.push(`${name} in`);
      await next();
      seen.push(`${name} out`);
    };
    await chain([around('a'), (_ctx, next) => next(), around('b')])(ctx, async () => {
      seen.push('caller');
    });
    expect(seen).toEqual(['a in', 'b in', 'caller', 'b out', 'a out']);
  });

  it('stops where a layer answers without calling next', async () => {
    const seen: string[] = [];
    const answers: Middleware = () => {
      seen.push('answered');
    };
    await chain([(_ctx, next) => next(), answers, () => seen.push('never')])(ctx, async () => {
      seen.push('caller');
    });
    expect(seen).toEqual(['answered']);
  });

  it('gives a layer a promise even when the rest of the chain returns nothing', async () => {
    let afterwards = false;
    const thenable: Middleware = (_ctx, next) => next().then(() => void (afterwards = true));
    await chain([thenable, () => undefined])(ctx, () => Promise.resolve());
    expect(afterwards).toBe(true);
  });

  it('turns a throw behind next() into a rejection of next(), as koa-compose does', async () => {
    const boom = new Error('boom');
    const throwsAtOnce: Middleware = () => {
      throw boom;
    };
    let caught: unknown;
    const catches: Middleware = (_ctx, next) => next().catch((error: unknown) => void (caught = error));
    await chain([catches, throwsAtOnce])(ctx, () => Promise.resolve());
    expect(caught).toBe(boom);
  });

  it('refuses a second next() from one layer, so what follows never runs twice', async () => {
    let runs = 0;
    const twice: Middleware = async (_ctx, next) => {
      await next();
      await next();
    };
    await expect(chain([twice, () => void (runs += 1)])(ctx, () => Promise.resolve())).rejects.toThrow('next() called multiple times');
    expect(runs).toBe(1);
  });
});
