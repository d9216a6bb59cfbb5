/**
 * "This browser has signed in to this account before": a cookie listing the pseudonyms of the
 * accounts that signed in on it (OWASP, "Slow Down Online Guessing Attacks with Device
 * Cookies"). A stranger hammering someone's account slows strangers down; the person, on a
 * browser they used before, still gets in. It holds no email, only pseudonyms, and carries a MAC
 * under the IdP's never-rotated pseudonym secret (not the cookie keys: a browser must stay known
 * for the cookie's 180 days, across any number of cookie-secret rotations).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Pseudonyms } from '../security/pseudonyms.js';

export const DEVICE_COOKIE = '_device';
export const DEVICE_COOKIE_MAX_ACCOUNTS = 5;
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;

export interface Device {
  id: string;
  /** Pseudonyms of the accounts that signed in on this browser, newest last. */
  accounts: string[];
}

export interface DeviceCookies {
  /** The browser's device cookie, when present and ours. */
  read(ctx: Context): Device | undefined;
  /** After a successful sign-in: this browser is now known for the account. */
  remember(ctx: Context, device: Device | undefined, account: string): void;
}

function parse(payload: string): Device | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; a?: unknown };
    if (typeof parsed.i !== 'string' || !Array.isArray(parsed.a) || !parsed.a.every((a) => typeof a === 'string')) return undefined;
    return { id: parsed.i, accounts: (parsed.a as string[]).slice(-DEVICE_COOKIE_MAX_ACCOUNTS) };
  } catch {
    return undefined;
  }
}

export function createDeviceCookies(pseudonyms: Pseudonyms): DeviceCookies {
  const sameTag = (payload: string, tag: string) => {
    const [expected, given] = [Buffer.from(pseudonyms.tag(`device:${payload}`)), Buffer.from(tag)];
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  return {
    read(ctx) {
      const value = ctx.cookies.get(DEVICE_COOKIE, { signed: false });
      if (!value || value.length > 600) return undefined;
      const [payload = '', tag = '', ...rest] = value.split('.');
      return rest.length === 0 && sameTag(payload, tag) ? parse(payload) : undefined;
    },
    remember(ctx, device, account) {
      const id = device?.id ?? randomBytes(16).toString('base64url');
      const accounts = [...(device?.accounts ?? []).filter((a) => a !== account), account].slice(-DEVICE_COOKIE_MAX_ACCOUNTS);
      const payload = Buffer.from(JSON.stringify({ i: id, a: accounts })).toString('base64url');
      const value = `${payload}.${pseudonyms.tag(`device:${payload}`)}`;
      ctx.cookies.set(DEVICE_COOKIE, value, { signed: false, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/interaction', maxAge: DEVICE_COOKIE_MAX_AGE_MS, overwrite: true });
    },
  };
}
