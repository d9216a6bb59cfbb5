/** Logout tokens (OpenID Connect Back-Channel Logout 1.0) signed with the IdP's own key, posted to a site. */
import { importJWK, SignJWT } from 'jose';
import { fetchLoopback } from './oidc-flow.js';
import type { RunningIdp } from './stack.js';

export const BACKCHANNEL_LOGOUT_EVENTS = { 'http://schemas.openid.net/event/backchannel-logout': {} };

/** Valid claims for `audience` (a client id), each call with a fresh jti and sid; `extra` overrides. */
export function logoutClaims(idp: RunningIdp, audience: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const unique = crypto.randomUUID();
  return { iss: idp.issuer, aud: audience, iat: now, exp: now + 120, jti: `jti-${unique}`, events: BACKCHANNEL_LOGOUT_EVENTS, sid: `sid-${unique}`, ...extra };
}

export async function signLogoutToken(idp: RunningIdp, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const stored = (await idp.storage.keys.list('signing')).find((key) => key.alg === 'RS256')!;
  const key = await importJWK(stored.material as never, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: stored.id, typ: 'logout+jwt', ...header }).sign(key);
}

/** POST /backchannel-logout at `url` (a site's own address, e.g. one of two instances). */
export async function postLogoutToken(url: string, token: string): Promise<{ status: number; body: string; cacheControl: string | null }> {
  const response = await fetchLoopback(`${url}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  });
  return { status: response.status, body: await response.text(), cacheControl: response.headers.get('cache-control') };
}
