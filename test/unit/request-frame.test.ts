/**
 * The frame every IdP request passes (src/http/request-frame.ts) answers whatever a route throws
 * with our page and our headers, and logs it: even `throw undefined`, an error carrying a status
 * that is no error status, or an error page that itself fails to render.
 */
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { createViews, type Views } from '../../src/http/views.js';
import { requestFrame } from '../../src/http/request-frame.js';
import { securityHeaders } from '../../src/http/security-headers.js';
import { createLogger } from '../../src/logger.js';

/**
 * `direct`: the route is called as src/app.ts calls it, as the frame's `next` itself, so it may
 * throw before returning a promise, or return nothing; otherwise it is the next layer of Koa's own.
 */
async function serve(views: Views, route: Koa.Middleware, direct = false) {
  const lines: Record<string, unknown>[] = [];
  const app = new Koa();
  app.silent = true;
  const frame = requestFrame({ views, logger: createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), headers: securityHeaders({ hsts: false }) });
  if (direct) {
    app.use((ctx, next) => frame(ctx, () => route(ctx, next)));
  } else {
    app.use(frame);
    app.use(route);
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/somewhere`;
  const answer = await fetch(url, { headers: { accept: 'text/html' } });
  const body = await answer.text();
  await new Promise((resolve) => server.close(resolve));
  return { answer, body, lines };
}

const throwing = (value: unknown): Koa.Middleware => () => {
  throw value;
};

describe('the request frame', () => {
  it('answers `throw undefined` with our 500 page, and logs it', async () => {
    const { answer, body, lines } = await serve(createViews(), throwing(undefined));
    expect(answer.status).toBe(500);
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(body).toContain('<!DOCTYPE html>');
    expect(lines.map((line) => line.event)).toContain('http.unhandled_error');
  });

  it('answers a route that throws before it returns a promise, as it answers a rejected one', async () => {
    const { answer, body, lines } = await serve(createViews(), throwing(new Error('thrown at once')), true);
    expect(answer.status).toBe(500);
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(body).toContain('<!DOCTYPE html>');
    expect(body).not.toContain('thrown at once');
    expect(lines.map((line) => line.event)).toContain('http.unhandled_error');
  });

  it('answers a route that returns nothing and answers nothing with the not-found page', async () => {
    const { answer, body } = await serve(createViews(), (() => undefined) as Koa.Middleware, true);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(body).toContain('<!DOCTYPE html>');
  });

  it('answers an error whose status is no error status as a 500 of ours', async () => {
    const { answer, body } = await serve(createViews(), throwing(Object.assign(new Error('odd'), { status: 99 })));
    expect(answer.status).toBe(500);
    expect(body).toContain('<!DOCTYPE html>');
    expect(body).not.toContain('odd');
  });

  it('keeps a 4xx an error carries, with its page', async () => {
    const { answer } = await serve(createViews(), throwing(Object.assign(new Error('gone'), { status: 410, expose: true })));
    expect(answer.status).toBe(410);
  });

  it('when the error page itself fails: a plain 500 with our headers, logged, nothing internal shown', async () => {
    const broken: Views = {
      html: () => {
        throw new Error('template exploded at /work/views/error.pug');
      },
      render: () => {
        throw new Error('template exploded at /work/views/error.pug');
      },
    };
    for (const route of [throwing(new Error('route failed')), (ctx: Koa.Context) => void (ctx.status = 404)]) {
      const { answer, body, lines } = await serve(broken, route as Koa.Middleware);
      expect(answer.status).toBe(500);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(body).toBe('Something went wrong on our side. Please try again later.');
      expect(lines.map((line) => line.event)).toContain('http.error_page_failed');
    }
  });
});
