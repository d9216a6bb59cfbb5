/**
 * How a site names and flags its cookies. Over https every cookie is `Secure` and its name carries
 * the `__Host-` prefix (RFC 6265bis section 4.1.3.2: Secure, Path=/, no Domain): a browser then
 * refuses the cookie from plain http and from a sibling subdomain, so neither can plant or
 * overwrite a site's session. Over http (the demo on loopback) names stay plain and a cookie may
 * be scoped to a narrower path.
 */
export interface CookieAttributes {
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
  path: string;
  overwrite: true;
  signed?: boolean;
  maxAge?: number;
}

export interface SiteCookies {
  secure: boolean;
  name(base: string): string;
  /** `path` holds over http only: a __Host- cookie's path is always /. */
  attributes(options?: { path?: string; signed?: boolean; maxAge?: number }): CookieAttributes;
}

export function siteCookies(siteUrl: string): SiteCookies {
  const secure = new URL(siteUrl).protocol === 'https:';
  return {
    secure,
    name: (base) => (secure ? `__Host-${base}` : base),
    attributes: ({ path = '/', ...rest } = {}) => ({ httpOnly: true, sameSite: 'lax', overwrite: true, secure, path: secure ? '/' : path, ...rest }),
  };
}
