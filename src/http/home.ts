import Router from '@koa/router';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Views } from './views.js';

const require = createRequire(import.meta.url);
// From src/http/ or dist/http/ alike (see VIEWS_DIR).
const asset = (name: string) => fileURLToPath(new URL(`../../views/assets/${name}`, import.meta.url));

/**
 * The files pages load from our origin (their CSP allows nothing else): the stylesheet, the
 * passkey script, and the WebAuthn library it drives, @simplewebauthn/browser's own bundle read
 * from the installed package (its `exports` name only the entry points, hence the walk up).
 */
const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  '/assets/site.css': { file: () => asset('site.css'), type: 'text/css' },
  '/assets/passkeys.js': { file: () => asset('passkeys.js'), type: 'text/javascript' },
  '/assets/webauthn.js': {
    file: () => path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
    type: 'text/javascript',
  },
};

/** The home page (names the issuer, links discovery), static assets, and health endpoints. */
export function createHomeRouter(options: { issuer: string; views: Views; ready: () => Promise<boolean> }): Router {
  const router = new Router({ sensitive: true });
  const loaded = new Map<string, Promise<string>>();

  router.get('/', (ctx) => {
    options.views.render(ctx, 'home', { issuer: options.issuer, discovery: `${options.issuer}/.well-known/openid-configuration` });
  });

  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    router.get(route, async (ctx) => {
      if (!loaded.has(route)) loaded.set(route, readFile(file(), 'utf8'));
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = await loaded.get(route);
    });
  }

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
