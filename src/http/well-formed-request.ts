/**
 * Refuses a request that Koa and oidc-provider can't make a URL of, or make the wrong one of, with
 * a 400 instead of the 500 or the wrong URL each of these caused (most found by
 * test/integration/fuzz.test.ts):
 * - a host that is no valid authority (RFC 9112 section 3.2 asks for a 400). The host is Host, or
 *   X-Forwarded-Host behind a trusted proxy, as Koa's ctx.host reads it. oidc-provider builds
 *   URLs from the request (`new URL(path, ctx.href)`: discovery's endpoints,
 *   registration_client_uri, the sign-out form's action), so `Host: a b` made those throw;
 * - a scheme other than http or https, which only a trusted proxy's X-Forwarded-Proto can claim:
 *   ctx.href became `junk://host/...`, with the same effect;
 * - an absolute-form request-target that Node's url.parse refuses (`GET http://[::1/`): Koa's
 *   ctx.path throws on it, in routing and in error handling alike;
 * - a request-target in none of the forms served here (origin form, http(s) absolute form,
 *   `OPTIONS *`; refusing other schemes is ours to choose, RFC 9110 section 7.4): Node takes
 *   any scheme (`GET munity://a/.well-known/openid-configuration`), Koa's ctx.href then glues that
 *   target to the host (`http://idp.example.com` + `munity://a/...`), and the provider's
 *   `new URL('/token', href)` read the host as idp.example.community: a discovery document naming
 *   a domain anyone may register, which discovery's cache (provider-documents.ts) would have kept
 *   for everyone. `GET x://a` left ctx.path null, a 500.
 * HTTP/1.0 may leave Host out (some load balancers' health checks still do); Node itself refuses an
 * HTTP/1.1 request without one (requireHostHeader).
 */
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.js';
import { describeAppError } from './error-messages.js';
import type { Views } from './views.js';

/** RFC 3986 section 3.2.2 and 3.2.3: an IP literal or reg-name, then an optional port. No userinfo. */
const AUTHORITY = /^(?:\[[0-9a-f:.]+\]|[a-z0-9\-._~%!$&'()*+,;=]+)(?::\d{0,5})?$/i;

/**
 * Hosts already found valid. Nearly every request names one of a handful, and parsing a URL on each
 * was a measurable part of a JWKS request (issue 10); bounded, so made-up hosts can't grow it.
 */
const VALID_HOSTS = new Set<string>();
const VALID_HOSTS_KEPT = 64;

export function isValidAuthority(host: string): boolean {
  if (VALID_HOSTS.has(host)) return true;
  if (!AUTHORITY.test(host) || !URL.canParse(`http://${host}`)) return false;
  if (VALID_HOSTS.size < VALID_HOSTS_KEPT) VALID_HOSTS.add(host);
  return true;
}

/** An absolute-form target (RFC 9112 section 3.2.2) of the only schemes served here. */
const HTTP_ABSOLUTE_FORM = /^https?:\/\//i;

/** Origin form, http(s) absolute form, or the asterisk form of OPTIONS (RFC 9112 section 3.2). */
function isServedTarget(ctx: Context): boolean {
  const target = ctx.req.url ?? '';
  return target.startsWith('/') || HTTP_ABSOLUTE_FORM.test(target) || (target === '*' && ctx.method === 'OPTIONS');
}

/** The part of the request no URL can be made of (for the error's wording), or undefined. */
export function requestProblem(ctx: Context): 'request target' | 'scheme' | 'host' | undefined {
  if (!isServedTarget(ctx)) return 'request target';
  try {
    void ctx.path;
  } catch {
    return 'request target';
  }
  if (!/^https?$/i.test(ctx.protocol)) return 'scheme';
  const host = ctx.host;
  if (!isValidAuthority(host) && !(host === '' && ctx.req.httpVersion === '1.0')) return 'host';
  return undefined;
}

/**
 * The IdP's guard, first in line (request-frame.ts; its error pages log ctx.path): answers a
 * request no URL can be made of as oidc-provider answers errors, and says whether it did.
 */
export function answeredMalformed(ctx: Context, views: Views): boolean {
  const problem = requestProblem(ctx);
  if (!problem) return false;
  // oidc-provider's own rule (shared/error_handler.js): its page only to a client asking for HTML.
  if (ctx.accepts('json', 'html') === 'html') {
    views.render(ctx, 'error', describeAppError('bad_request', 'The address this request was sent to is not valid.', 400, true), 400);
  } else {
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: `invalid ${problem}` };
  }
  return true;
}

/** The sample sites' guard: their error page renders the refusal. */
export function refuseMalformedRequests(): Middleware {
  return async (ctx, next) => {
    if (requestProblem(ctx)) throw new AppError('bad_request', 'The address this request was sent to is not valid.');
    await next();
  };
}
