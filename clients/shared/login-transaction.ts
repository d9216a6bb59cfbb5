/**
 * The short-lived login transaction of a relying party: state, nonce and the PKCE verifier,
 * kept in a signed, httpOnly cookie scoped to /callback (to / as a __Host- cookie over https)
 * between the redirect to the IdP and the way back. It is deleted on first use, so a callback URL
 * can't be replayed.
 */
import type { Context } from 'koa';
import type { SiteCookies } from './site-cookies.js';

export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Local path to return to after sign-in. */
  returnTo: string;
  /** The prompt sent, so `prompt=none` failures are told apart from real errors. */
  prompt?: string;
}

const TEN_MINUTES_MS = 10 * 60 * 1000;

/** Only local paths: `//evil.example` and `/\evil.example` are other hosts to a browser. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value.length > 512 ? '/' : value;
}

export function createTransactionCookie(name: string, cookies: SiteCookies) {
  const cookie = cookies.attributes({ path: '/callback', signed: true });
  return {
    save(ctx: Context, transaction: LoginTransaction): void {
      ctx.cookies.set(name, Buffer.from(JSON.stringify(transaction)).toString('base64url'), { ...cookie, maxAge: TEN_MINUTES_MS });
    },
    /** Reads and deletes the transaction; undefined when missing, tampered with or malformed. */
    take(ctx: Context): LoginTransaction | undefined {
      const raw = ctx.cookies.get(name, { signed: true });
      ctx.cookies.set(name, null, cookie);
      if (!raw) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<LoginTransaction>;
        if (typeof parsed.state !== 'string' || typeof parsed.nonce !== 'string' || typeof parsed.codeVerifier !== 'string') return undefined;
        return { state: parsed.state, nonce: parsed.nonce, codeVerifier: parsed.codeVerifier, returnTo: safeReturnTo(parsed.returnTo), prompt: parsed.prompt };
      } catch {
        return undefined;
      }
    },
  };
}
