/**
 * Headers for every response (set by request-frame.ts). Referrer-Policy is same-origin rather than no-referrer because
 * no-referrer makes browsers send `Origin: null` on our own form posts, which the CSRF check reads.
 */
export function securityHeaders(options: { hsts: boolean }): Readonly<Record<string, string>> {
  return Object.freeze({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(options.hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  });
}
