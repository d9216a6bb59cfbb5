/** Page rendering and error handling both sample sites share. */
import type { Context, Middleware } from 'koa';
import { isAppError } from '../../src/errors.js';
import { describeAppError } from '../../src/http/error-messages.js';
import { parserRefusals, type ParserRefusals } from '../../src/http/parser-refusals.js';
import { createViews } from '../../src/http/views.js';
import type { SignInFailure } from './relying-party.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
/** What every page of a site carries beside its CSP and Cache-Control. */
const PAGE_HEADERS = Object.freeze({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });

export interface SitePages {
  render(ctx: Context, view: string, locals?: object, status?: number): void;
  signInFailed(ctx: Context, failure: SignInFailure): void;
  errors: Middleware;
  /**
   * The site's error page, with the headers of its pages, for requests Node's HTTP parser refuses
   * before the app runs (headers past 16 KB: a browser whose cookies grew too large), instead of
   * Node's bare status line (src/http/parser-refusals.ts; the server's `refusals` option).
   */
  refusals: ParserRefusals;
}

const FAILURES: Record<string, string> = {
  access_denied: 'Sign-in was cancelled.',
  unmet_authentication_requirements: 'This page needs a sign-in with two steps. Set up an authenticator app on your account page at the sign-in service, then try again.',
  invalid_callback: 'This sign-in could not be completed. Please start again.',
  idp_unavailable: 'The sign-in service cannot be reached right now. Please try again in a moment.',
};

const UNANSWERED: Record<number, { code: string; title: string; message: string }> = {
  404: { code: 'not_found', title: 'Page not found', message: 'There is nothing at this address.' },
  405: { code: 'method_not_allowed', title: 'This page cannot be opened this way', message: 'This address does not answer this kind of request.' },
};

export function createSitePages(viewsDir: string, site: { name: string; approach: string; color: string }): SitePages {
  // The IdP's views: templates compiled once per process by file, every page given `site`.
  const { html } = createViews({ dir: viewsDir, site: { site } });
  const render = (ctx: Context, view: string, locals: object = {}, status = 200) => {
    const body = html(view, locals);
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-store');
    ctx.set(PAGE_HEADERS);
    ctx.body = body;
  };
  // Worded as the IdP words them ("Your browser sent too much ...: clearing this site's cookies").
  const refusals = parserRefusals({ headers: PAGE_HEADERS, pageHeaders: { 'Content-Security-Policy': CSP }, page: ({ code, status }) => html('error', { ...describeAppError(code, '', status, false), retry: false }) });
  const signInFailed = (ctx: Context, failure: SignInFailure) =>
    render(ctx, 'error', { message: FAILURES[failure.code] ?? FAILURES.invalid_callback, code: failure.code }, failure.status);
  return {
    render,
    signInFailed,
    refusals,
    errors: async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status && status < 500) {
          return render(ctx, 'error', { message: isAppError(error) && error.expose ? error.message : 'That request could not be understood.' }, status);
        }
        // Mostly: discovery or the token endpoint could not be reached.
        console.error(`[${site.name}]`, (error as Error).message);
        signInFailed(ctx, { status: 503, code: 'idp_unavailable' });
        return;
      }
      // Nothing answered, or not this method: the site's page (JSON for a program that asks),
      // instead of Koa's plain "Not Found" and "Method Not Allowed".
      const unanswered = UNANSWERED[ctx.status];
      if (!unanswered || ctx.body !== undefined) return;
      const status = ctx.status;
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.status = status;
        ctx.body = { error: unanswered.code, error_description: unanswered.message };
      } else {
        render(ctx, 'error', { title: unanswered.title, message: unanswered.message }, status);
      }
    },
  };
}
