/**
 * oidc-provider builds every URL it hands out (discovery's endpoints, registration_client_uri,
 * the sign-out form's action) from the request: `new URL(path, ctx.href)` in
 * lib/helpers/oidc_context.js, where ctx.href takes Host, or X-Forwarded-Host and
 * X-Forwarded-Proto behind a trusted proxy. So `Host: evil.example` got a discovery document whose
 * token endpoint was http://evil.example/token, under our real issuer. A shared cache in front that
 * keys on the path alone (X-Forwarded-Host is rarely part of a cache key) would hand that document
 * to every client, and their codes and client secrets to that host: web cache poisoning through an
 * unkeyed header. The provider now sees the issuer's scheme and host, whatever the request said, as
 * a fixed hostname does in Keycloak. Our own routes never read the request's host; WebFinger, which
 * answers for other hosts too (WEBFINGER_HOSTS), is not behind this.
 */
import type { Middleware } from 'koa';

export function issuerHost(issuer: string): Middleware {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return (ctx, next) => {
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
