import Router from '@koa/router';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Views } from './views.js';

// From src/http/ or dist/http/ alike (see VIEWS_DIR).
const STYLESHEET = fileURLToPath(new URL('../../views/assets/site.css', import.meta.url));

/** The home page (names the issuer, links discovery), the stylesheet, and health endpoints. */
export function createHomeRouter(options: { issuer: string; views: Views; ready: () => Promise<boolean> }): Router {
  const router = new Router({ sensitive: true });
  let css: Promise<string> | undefined;

  router.get('/', (ctx) => {
    options.views.render(ctx, 'home', { issuer: options.issuer, discovery: `${options.issuer}/.well-known/openid-configuration` });
  });

  router.get('/assets/site.css', async (ctx) => {
    css ??= readFile(STYLESHEET, 'utf8');
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await css;
  });

  // Liveness: the process answers. Readiness: storage answers too.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await options.ready().catch(() => false);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable' };
  });

  return router;
}
