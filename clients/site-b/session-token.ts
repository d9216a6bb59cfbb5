/**
 * site-b's stateless session: a compact JWT signed by site-b (HS256) that the browser carries in
 * a cookie. Nothing is stored server-side; every request verifies signature and expiry. The
 * price: until it expires, the token can't be taken back (back-channel logout deals with that).
 *
 * `iat` carries milliseconds (a NumericDate may be fractional, RFC 7519 section 2), so the deny-list
 * can tell a token issued just before a restart from one issued just after it.
 */
import { jwtVerify, SignJWT } from 'jose';

export interface SessionClaims {
  sub: string;
  name?: string;
  email?: string;
  /** The IdP's session id (`sid`), for back-channel logout. */
  sid?: string;
}

export function createSessionTokens(options: { secret: string; siteUrl: string; ttlSeconds: number }) {
  const key = new TextEncoder().encode(options.secret);
  return {
    async issue(claims: SessionClaims): Promise<string> {
      const { sub, ...rest } = claims;
      const issuedAtMs = Date.now();
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(options.siteUrl)
        .setAudience(options.siteUrl)
        .setIssuedAt(issuedAtMs / 1000)
        .setExpirationTime(Math.floor(issuedAtMs / 1000) + options.ttlSeconds)
        .sign(key);
    },
    /** The claims, or undefined for a missing, forged, tampered or expired token. */
    async verify(token: string | undefined): Promise<(SessionClaims & { exp: number; iat: number }) | undefined> {
      if (!token) return undefined;
      try {
        const { payload } = await jwtVerify(token, key, { issuer: options.siteUrl, audience: options.siteUrl, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return undefined;
        return {
          sub: payload.sub,
          exp: payload.exp,
          iat: payload.iat,
          name: typeof payload.name === 'string' ? payload.name : undefined,
          email: typeof payload.email === 'string' ? payload.email : undefined,
          sid: typeof payload.sid === 'string' ? payload.sid : undefined,
        };
      } catch {
        return undefined;
      }
    },
  };
}
