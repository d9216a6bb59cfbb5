/**
 * oidc-provider builds every URL it hands out (discovery's endpoints, registration_client_uri,
 * the sign-out form's action) and every URL it accepts as a client assertion's audience from the
 * request: `new URL(path, ctx.href)` in lib/helpers/oidc_context.js, where ctx.href takes Host, or
 * X-Forwarded-Host and X-Forwarded-Proto behind a trusted proxy, or an absolute-form target. So
 * `Host: evil.example` got a discovery document whose token endpoint was http://evil.example/token,
 * under our real issuer. A shared cache in front that keys on the path alone (X-Forwarded-Host is
 * rarely part of a cache key) would hand that document to every client, and their codes and client
 * secrets to that host: web cache poisoning through an unkeyed header. The provider now sees the
 * issuer's host whatever the request said, and behind a trusted proxy its scheme, as a fixed
 * hostname does in Keycloak. (No HTTP/2 listener exists: its `:authority` would need the same.)
 * Our own routes never read the request's host; WebFinger, which answers for other hosts too
 * (WEBFINGER_HOSTS), is not behind this.
 */
import type { Context, Middleware } from 'koa';

/** An absolute-form request target's scheme and authority (RFC 9112 section 3.2.2). */
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * `GET http://evil.example/.well-known/openid-configuration` names its host in the target itself,
 * and Koa's ctx.href is then that target, whatever Host said. Cut to the origin form (the path and
 * query, as routing already read them), so nothing built from the request names another host.
 */
function toOriginForm(ctx: Context): void {
  const scheme = ABSOLUTE_FORM.exec(ctx.originalUrl);
  if (!scheme) return;
  const rest = ctx.originalUrl.slice(scheme[0].length);
  const target = rest.startsWith('/') ? rest : `/${rest}`;
  ctx.req.url = target;
  ctx.originalUrl = target;
  ctx.request.originalUrl = target;
}

export function issuerHost(issuer: string): Middleware {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return (ctx, next) => {
    toOriginForm(ctx);
    if (ctx.host !== host || ctx.protocol !== scheme) {
      const headers = ctx.req.headers;
      headers.host = host;
      delete headers['x-forwarded-host'];
      // Only a trusted proxy's X-Forwarded-Proto is read (Koa's ctx.protocol); without one, the
      // scheme is the connection's own, which no header can change.
      if (ctx.app.proxy) headers['x-forwarded-proto'] = scheme;
    }
    return next();
  };
}
