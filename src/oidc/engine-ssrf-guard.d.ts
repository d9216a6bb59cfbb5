// oidc-provider ships no types for the helpers of its SSRF guard (a deep import, no `exports` map).
declare module 'oidc-provider/lib/helpers/fetch_request.js' {
  /** Whether an IP address (dotted IPv4, or IPv6 without brackets) is one its guard refuses. */
  export function isSpecialUseIP(address: string): boolean;
  /** Makes `dispatcher` (an undici Agent) drop each connection made to such an address; returns it. */
  export function applySSRFProtection<T extends object>(dispatcher: T): T;
}
