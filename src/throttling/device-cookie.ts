/**
 * "This browser has signed in to this account before": a signed cookie listing the pseudonyms of
 * the accounts that signed in on it (OWASP, "Slow Down Online Guessing Attacks with Device
 * Cookies"). A stranger hammering someone's account slows strangers down; the person, on a
 * browser they used before, still gets in. The cookie is signed with the IdP's cookie keys, so it
 * can't be forged, and it holds no email, only pseudonyms.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

export const DEVICE_COOKIE = '_device';
export const DEVICE_COOKIE_MAX_ACCOUNTS = 5;
const MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;

export interface Device {
  id: string;
  /** Pseudonyms of the accounts that signed in on this browser, newest last. */
  accounts: string[];
}

function parse(value: string | undefined): Device | undefined {
  if (!value || value.length > 512) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { i?: unknown; a?: unknown };
    if (typeof parsed.i !== 'string' || !Array.isArray(parsed.a) || !parsed.a.every((a) => typeof a === 'string')) return undefined;
    return { id: parsed.i, accounts: (parsed.a as string[]).slice(-DEVICE_COOKIE_MAX_ACCOUNTS) };
  } catch {
    return undefined;
  }
}

/** The browser's device cookie, when present and signed by us. */
export function readDevice(ctx: Context): Device | undefined {
  return parse(ctx.cookies.get(DEVICE_COOKIE, { signed: true }));
}

/** After a successful sign-in: this browser is now known for the account. */
export function rememberDevice(ctx: Context, device: Device | undefined, account: string): void {
  const id = device?.id ?? randomBytes(16).toString('base64url');
  const accounts = [...(device?.accounts ?? []).filter((a) => a !== account), account].slice(-DEVICE_COOKIE_MAX_ACCOUNTS);
  const value = Buffer.from(JSON.stringify({ i: id, a: accounts })).toString('base64url');
  ctx.cookies.set(DEVICE_COOKIE, value, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/interaction', maxAge: MAX_AGE_MS, overwrite: true });
}
