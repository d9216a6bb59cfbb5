/**
 * oidc-provider's own pages (error, logout confirmation, logged out) rendered with our pug
 * views, so every page the person sees shares one layout.
 */
import type { Configuration, KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { PAGE_CSP, type Views } from '../http/views.js';
import { isAppError } from '../errors.js';
import { describeAppError, describeProtocolError } from '../http/error-messages.js';
import { labelClient } from '../interactions/client-label.js';

type Pages = Pick<Configuration, 'renderError'> & {
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
};

function page(ctx: KoaContextWithOIDC, views: Views, name: string, locals: object): void {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.body = views.html(name, locals);
}

/**
 * The app's name, with the host it returns to when it is a third-party app (client-label.ts). A
 * third-party app with no such host (no post_logout_redirect_uri; the success page, which any
 * link can open with any client_id) goes unnamed: its name alone is text it chose, shown on our
 * origin ("Site A security: reset your password at ...", found by an attacking review).
 */
async function clientLocals(ctx: KoaContextWithOIDC, isFirstParty: (clientId: string) => Promise<boolean>) {
  const client = ctx.oidc.client;
  if (!client) return {};
  const firstParty = await isFirstParty(client.clientId);
  const label = labelClient(client, { firstParty, redirectUri: ctx.oidc.params?.post_logout_redirect_uri });
  if (!firstParty && label.host === undefined) return {};
  return { clientName: label.name, clientHost: label.host };
}

export function createProviderPages(views: Views, isFirstParty: (clientId: string) => Promise<boolean>): Pages {
  return {
    async renderError(ctx, out: ErrorOut, error) {
      const described = isAppError(error)
        ? describeAppError(error.code, error.message, error.status, error.expose)
        : describeProtocolError(out.error, out.error_description, ctx.status);
      page(ctx, views, 'error', described);
    },
    async logoutSource(ctx, form) {
      // The form posts `logout=yes` for "Sign out": only then does the whole session end.
      page(ctx, views, 'logout', { form, ...(await clientLocals(ctx, isFirstParty)) });
    },
    async postLogoutSuccessSource(ctx) {
      page(ctx, views, 'logged-out', { ...(await clientLocals(ctx, isFirstParty)) });
    },
  };
}
