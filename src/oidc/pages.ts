/**
 * oidc-provider's own pages (error, logout confirmation, logged out) rendered with our pug
 * views, so every page the person sees shares one layout.
 */
import type { Configuration, KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { PAGE_CSP, type Views } from '../http/views.js';
import { isAppError } from '../errors.js';
import { describeAppError, describeProtocolError } from '../http/error-messages.js';

type Pages = Pick<Configuration, 'renderError'> & {
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
};

function page(ctx: KoaContextWithOIDC, views: Views, name: string, locals: object): void {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.body = views.html(name, locals);
}

export function createProviderPages(views: Views): Pages {
  return {
    async renderError(ctx, out: ErrorOut, error) {
      const described = isAppError(error)
        ? describeAppError(error.code, error.message, error.status, error.expose)
        : describeProtocolError(out.error, out.error_description, ctx.status);
      page(ctx, views, 'error', described);
    },
    async logoutSource(ctx, form) {
      const client = ctx.oidc.client;
      // The form posts `logout=yes` for "Sign out": only then does the whole session end.
      page(ctx, views, 'logout', { form, clientName: client?.clientName ?? client?.clientId });
    },
    async postLogoutSuccessSource(ctx) {
      const client = ctx.oidc.client;
      page(ctx, views, 'logged-out', { clientName: client?.clientName ?? client?.clientId });
    },
  };
}
