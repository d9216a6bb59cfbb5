/**
 * Signs and checks the `.sig` companions of signed cookies, for Koa (`app.keys`) and oidc-provider
 * (`cookies.keys`): the interface of `keygrip`, which the `cookies` package calls, and its exact
 * output (HMAC-SHA1 of `name=value`, base64url), so cookies set before stay valid.
 *
 * Why not keygrip itself: it compares with `tsscmp`, written before Node had a constant-time
 * compare, which draws 32 random bytes and computes two more HMACs on every comparison: 11.4 µs a
 * check against 2.3 µs here, and a sign-in checks its session, interaction and resume cookies on
 * several requests (~65 µs less a sign-in, issue 10; bench/README.md). `crypto.timingSafeEqual`
 * compares in constant time without them. The length check before it tells nothing: every signature of
 * one algorithm has the same length.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface CookieSigner {
  /** The signature of `data` under the newest key. */
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key (0: the newest) made `digest`, or -1: the `cookies` package re-signs with the newest when it is not 0. */
  index(data: string, digest: string): number;
}

export function createCookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('Signed cookies need at least one key');
  // Imported once, not on every signature.
  const secrets: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const signWith = (secret: KeyObject, data: string) => createHmac('sha1', secret).update(data).digest('base64url');
  const sameSignature = (given: string, expected: string) => {
    const [a, b] = [Buffer.from(given), Buffer.from(expected)];
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const index = (data: string, digest: string) => {
    if (typeof data !== 'string' || typeof digest !== 'string') return -1;
    return secrets.findIndex((secret) => sameSignature(digest, signWith(secret, data)));
  };
  return {
    sign: (data) => signWith(secrets[0]!, data),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
