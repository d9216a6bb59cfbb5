/**
 * Drives the authorization code flow against the IdP the way a browser and a client would,
 * for tests that exercise the protocol directly instead of through a sample site.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import { HttpClient, interactionUid, type Reply } from './http-client.js';

export const fetchLoopback = createLoopbackFetch();

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  issuer: string;
  params: Record<string, string>;
  credentials?: { email: string; password: string };
  /** What to do on a consent page. */
  consent?: 'allow' | 'cancel';
}

export interface AuthorizeResult {
  /** The redirect back to the client, parsed. */
  callback: URL;
  /** Pages the browser was shown on the way (login, consent, ...), by name. */
  pagesShown: string[];
}

function pageName(reply: Reply): string {
  if (reply.body.includes('action="/interaction/') && reply.body.includes('/confirm"')) return 'consent';
  if (reply.body.includes('/continue"')) return 'select-account';
  if (reply.body.includes('name="password"')) return 'login';
  return 'other';
}

export async function authorize(browser: HttpClient, options: AuthorizeOptions): Promise<AuthorizeResult> {
  const redirectUri = options.params.redirect_uri!;
  const isCallback = (url: string) => url.startsWith(redirectUri);
  const pagesShown: string[] = [];
  let reply = await browser.follow(await browser.get(`${options.issuer}/auth?${new URLSearchParams(options.params)}`), isCallback);
  for (let step = 0; step < 5 && !(reply.location && isCallback(reply.location)); step += 1) {
    const page = pageName(reply);
    pagesShown.push(page);
    const uid = interactionUid(reply.url);
    if (page === 'login' && options.credentials) {
      reply = await browser.post(`${options.issuer}/interaction/${uid}/login`, options.credentials);
    } else if (page === 'consent' && options.consent) {
      reply = await browser.post(`${options.issuer}/interaction/${uid}/${options.consent === 'allow' ? 'confirm' : 'abort'}`, {});
    } else {
      throw new Error(`stuck on ${page} page at ${reply.url} (status ${reply.status})`);
    }
    reply = await browser.follow(reply, isCallback);
  }
  if (!reply.location) throw new Error(`no redirect back to the client; last page ${reply.url} (status ${reply.status})`);
  return { callback: new URL(reply.location), pagesShown };
}

export async function exchangeCode(
  issuer: string,
  client: { id: string; secret: string },
  body: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetchLoopback(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
