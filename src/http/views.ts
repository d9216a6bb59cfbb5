/**
 * Renders pug views from views/ with one shared layout. Every HTML page we render gets a strict
 * Content-Security-Policy: no scripts at all, styles only from our own origin.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pug from 'pug';
import type { Context } from 'koa';

// The repository's views/, two levels up from src/http/ and, compiled, from dist/http/ alike
// (tsconfig.build.json keeps dist/ at src/'s depth), so the built IdP needs no copy of them.
export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

// form-action is left out on purpose: Chromium applies it to the redirects that follow a form
// submission, and a login POST must end in a redirect to the client's redirect_uri.
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface Views {
  html(name: string, locals?: object): string;
  render(ctx: Context, name: string, locals?: object, status?: number): void;
}

export function createViews(options: { dir?: string; site?: Record<string, unknown> } = {}): Views {
  const dir = options.dir ?? VIEWS_DIR;
  const cache = new Map<string, pug.compileTemplate>();
  const template = (name: string) => {
    let compiled = cache.get(name);
    if (!compiled) {
      compiled = pug.compileFile(path.join(dir, `${name}.pug`), { basedir: dir });
      cache.set(name, compiled);
    }
    return compiled;
  };
  const html = (name: string, locals: object = {}) => template(name)({ ...options.site, ...locals });
  return {
    html,
    render(ctx, name, locals = {}, status = 200) {
      ctx.status = status;
      ctx.type = 'html';
      ctx.set('Content-Security-Policy', PAGE_CSP);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = html(name, locals);
    },
  };
}
