/**
 * Renders pug views from views/ with one shared layout. Every HTML page we render gets a strict
 * Content-Security-Policy: styles only from our own origin, and no scripts at all except on the
 * pages that offer passkeys, which load our own two script files (`scripts` in their locals).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Context } from 'koa';
import type { compileTemplate } from 'pug';

// The repository's views/, two levels up from src/http/ and, compiled, from dist/http/ alike
// (tsconfig.build.json keeps dist/ at src/'s depth), so the built IdP needs no copy of them.
export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

/**
 * The pages of VIEWS_DIR compiled by `npm run build` (src/bin/compile-views.ts): dist/views/ for the
 * built IdP. From src/http/ the folder doesn't exist, and templates are compiled at first use.
 */
export const COMPILED_VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));

const require = createRequire(import.meta.url);

/**
 * Templates by file, for every Views of the process: an IdP makes two (its pages', and its servers'
 * refusal pages, listen-idp.ts), a test run one per IdP, and compiling a page with pug costs ~25 ms.
 */
const templates = new Map<string, compileTemplate>();

/** The precompiled page when there is one, else pug's compiler, loaded only then. */
function loadTemplate(dir: string, name: string): compileTemplate {
  const file = path.join(dir, `${name}.pug`);
  let template = templates.get(file);
  if (template) return template;
  const compiled = path.join(COMPILED_VIEWS_DIR, `${name}.cjs`);
  if (dir === VIEWS_DIR && existsSync(compiled)) template = require(compiled) as compileTemplate;
  else template = (require('pug') as typeof import('pug')).compileFile(file, { basedir: dir });
  templates.set(file, template);
  return template;
}

// form-action is left out on purpose: Chromium applies it to the redirects that follow a form
// submission, and a login POST must end in a redirect to the client's redirect_uri.
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
/** The same, letting the page run script files from our origin: never inline script, never eval. */
export const SCRIPTED_PAGE_CSP = `${PAGE_CSP}; script-src 'self'`;
/** The scripts of a page that runs a passkey ceremony (views/assets/passkeys.js and the library it drives). */
export const PASSKEY_SCRIPTS = Object.freeze(['/assets/webauthn.js', '/assets/passkeys.js']);

export interface Views {
  html(name: string, locals?: object): string;
  render(ctx: Context, name: string, locals?: object, status?: number): void;
}

export function createViews(options: { dir?: string; site?: Record<string, unknown> } = {}): Views {
  const dir = options.dir ?? VIEWS_DIR;
  const html = (name: string, locals: object = {}) => loadTemplate(dir, name)({ ...options.site, ...locals });
  return {
    html,
    render(ctx, name, locals = {}, status = 200) {
      ctx.status = status;
      ctx.type = 'html';
      const scripted = Array.isArray((locals as { scripts?: unknown }).scripts) && (locals as { scripts: unknown[] }).scripts.length > 0;
      ctx.set('Content-Security-Policy', scripted ? SCRIPTED_PAGE_CSP : PAGE_CSP);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = html(name, locals);
    },
  };
}
