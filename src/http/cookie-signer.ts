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
 *
 * The newest key's latest signatures are remembered, data to signature, so a cookie we signed (or
 * found signed by the newest key) is checked by comparing with that, and the same data is signed
 * again, without another HMAC: a sign-in sets its interaction cookies, reads them back four times
 * and sets one of them again, and inside a running IdP an HMAC took ~20 µs of the event loop
 * (~2 µs in a loop of its own), issue 10. The comparison stays constant-time; what a remembered
 * entry skips depends on the data alone, which for our cookies is a random id the sender had to
 * hold already. Bounded (REMEMBERED_SIGNATURES entries of at most REMEMBERED_DATA characters, each
 * a copy of its own); a new set of keys is a new signer, so rotation forgets them. (A security
 * review's findings: the slices of request headers, and the cleared cookies, below.)
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface CookieSigner {
  /** The signature of `data` under the newest key. */
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key (0: the newest) made `digest`, or -1: the `cookies` package re-signs with the newest when it is not 0. */
  index(data: string, digest: string): number;
}

/** How many of the newest key's signatures are remembered. */
export const REMEMBERED_SIGNATURES = 1_000;
/** The longest data (`name=value`) whose signature is remembered: our ids, with room to spare. */
export const REMEMBERED_DATA = 256;

/** keygrip's signature: HMAC-SHA1 of the data, base64url. */
export const hmacSha1 = (secret: KeyObject, data: string): string => createHmac('sha1', secret).update(data).digest('base64url');

/** `hmac`: what computes a signature (tests count its calls); hmacSha1 unless given. */
export function createCookieSigner(keys: readonly string[], hmac: typeof hmacSha1 = hmacSha1): CookieSigner {
  if (keys.length === 0) throw new Error('Signed cookies need at least one key');
  // Imported once, not on every signature.
  const secrets: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const sameSignature = (given: string, expected: string) => {
    const [a, b] = [Buffer.from(given), Buffer.from(expected)];
    return a.length === b.length && timingSafeEqual(a, b);
  };
  /** data -> the newest key's signature of it; the one remembered longest ago goes first. */
  const remembered = new Map<string, string>();
  /** `digest`: the one computed here, never one a request sent. */
  const remember = (data: string, digest: string) => {
    // A cleared cookie (`name=`): the same for everyone, so nothing to save, and no way to tell
    // from its timing that somebody's sign-in or sign-out just ended.
    if (data.length > REMEMBERED_DATA || data.endsWith('=')) return;
    // A copy of its own: data read from a request is a slice of the whole Cookie header (up to
    // 16 KiB), which V8 would keep alive with it. Exact for every string, lone surrogates included.
    const own = Buffer.from(data, 'utf16le').toString('utf16le');
    remembered.delete(own);
    if (remembered.size >= REMEMBERED_SIGNATURES) remembered.delete(remembered.keys().next().value!);
    remembered.set(own, digest);
  };
  const index = (data: string, digest: string) => {
    if (typeof data !== 'string' || typeof digest !== 'string') return -1;
    const known = remembered.get(data);
    if (known !== undefined && sameSignature(digest, known)) return 0;
    for (let at = 0; at < secrets.length; at += 1) {
      const expected = hmac(secrets[at]!, data);
      if (!sameSignature(digest, expected)) continue;
      if (at === 0) remember(data, expected);
      return at;
    }
    return -1;
  };
  return {
    sign(data) {
      // The same data signed again (oidc-provider sets the resume cookie twice in a sign-in).
      const known = remembered.get(data);
      if (known !== undefined) return known;
      const digest = hmac(secrets[0]!, data);
      remember(data, digest);
      return digest;
    },
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
