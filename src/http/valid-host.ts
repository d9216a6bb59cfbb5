/**
 * Refuses a request whose host is not a valid authority (RFC 9112 section 3.2: "a Host header field
 * with an invalid field value" gets a 400). The host is Host, or X-Forwarded-Host behind a trusted
 * proxy, as Koa's ctx.host reads it. oidc-provider builds URLs from the request
 * (`new URL(path, ctx.href)`: discovery's endpoints, registration_client_uri, the sign-out form's
 * action), and an unparsable host made those throw, so `Host: a b` answered 500 (found by
 * test/integration/fuzz.test.ts).
 *
 * HTTP/1.0 may leave Host out (some load balancers' health checks still do); Node itself refuses an
 * HTTP/1.1 request without one (requireHostHeader).
 */
import type { Middleware } from 'koa';
import { describeAppError } from './error-messages.js';
import type { Views } from './views.js';

/** RFC 3986 section 3.2.2 and 3.2.3: an IP literal or reg-name, then an optional port. No userinfo. */
const AUTHORITY = /^(?:\[[0-9a-f:.]+\]|[a-z0-9\-._~%!$&'()*+,;=]+)(?::\d{0,5})?$/i;

export function isValidAuthority(host: string): boolean {
  return AUTHORITY.test(host) && URL.canParse(`http://${host}`);
}

export function validHost(views: Views): Middleware {
  return async (ctx, next) => {
    const host = ctx.host;
    if (isValidAuthority(host) || (host === '' && ctx.req.httpVersion === '1.0')) return next();
    // Answered in the form oidc-provider answers errors: its page only to a client asking for HTML.
    if (ctx.accepts('json', 'html') === 'html') {
      views.render(ctx, 'error', describeAppError('bad_request', 'The address this request was sent to is not valid.', 400, true), 400);
    } else {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'invalid Host header' };
    }
  };
}
