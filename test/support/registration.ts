/** Calls the dynamic registration endpoints (RFC 7591, RFC 7592) the way an app's developer would. */
import { fetchLoopback } from './oidc-flow.js';

export interface JsonReply {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

export async function callJson(
  method: string,
  url: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<JsonReply> {
  const response = await fetchLoopback(url, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

/** POST <issuer>/reg with an initial access token. */
export const registerClient = (issuer: string, token: string, body: unknown) => callJson('POST', `${issuer}/reg`, { token, body });

/** PUT to a registration_client_uri (RFC 7592 section 2.2) with the registration access token. */
export function updateRegistration(registered: Record<string, unknown>, changes: Record<string, unknown>): Promise<JsonReply> {
  return callJson('PUT', registered.registration_client_uri as string, {
    token: registered.registration_access_token as string,
    body: { client_id: registered.client_id, redirect_uris: registered.redirect_uris, ...changes },
  });
}
