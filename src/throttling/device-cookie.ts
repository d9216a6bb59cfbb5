/**
 * "This browser has signed in to this account before": a cookie listing the pseudonyms of the
 * accounts that signed in on it (OWASP, "Slow Down Online Guessing Attacks with Device
 * Cookies"). A stranger hammering someone's account slows strangers down; the person, on a
 * browser they used before, still gets in. It holds no email, only pseudonyms, and carries a MAC
 * under the IdP's never-rotated pseudonym secret (not the cookie keys: a browser must stay known
 * for the cookie's 180 days, across any number of cookie-secret rotations).
 *
 * Given only when a sign-in is complete, second factor included (interactions/router.ts), and
 * each account's entry carries when: it counts only while nothing since has ended the account's
 * access or its other sessions (a new password, sign out everywhere, a changed second factor,
 * disabling it). Handed out on the password alone and never ending, such cookies let someone who
 * once had the password hoard them, each good for fresh guesses at the next password and past the
 * second step's limits (found by an attacking review).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Pseudonyms } from '../security/pseudonyms.js';
import type { AccountRecord } from '../storage/types.js';

export const DEVICE_COOKIE = '_device';
export const DEVICE_COOKIE_MAX_ACCOUNTS = 5;
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;

export interface Device {
  id: string;
  /** The accounts that signed in on this browser, newest last: pseudonym, and when (epoch ms). */
  accounts: { account: string; since: number }[];
}

/** What of an account decides whether a browser known for it still counts (storage/types.ts AccountRecord). */
export type AccountEpochs = { accessEndedAt?: Date; otherSessionsEndedAt?: Date };

export interface DeviceCookies {
  /** The browser's device cookie, when present and ours. */
  read(ctx: Context): Device | undefined;
  /** After a complete sign-in: this browser is now known for the account. */
  remember(ctx: Context, device: Device | undefined, account: string): void;
}

/**
 * The device's id if it knows `account` (a pseudonym) since the account's access or other sessions
 * last ended (a browser remembered in the same millisecond, by the change itself, counts).
 */
export function knownFor(device: Device | undefined, account: string, epochs: AccountEpochs): string | undefined {
  const entry = device?.accounts.find((known) => known.account === account);
  if (!entry) return undefined;
  const ended = Math.max(epochs.accessEndedAt?.getTime() ?? 0, epochs.otherSessionsEndedAt?.getTime() ?? 0);
  return entry.since >= ended ? device!.id : undefined;
}

/** Device cookies by account, for the pages that know which account they are about. */
export interface KnownBrowsers {
  /**
   * This browser is now known for the account: a sign-in on it is complete, or the person, signed
   * in, gave the password again to change it or a second factor (which ends what was known before).
   */
  remember(ctx: Context, account: Pick<AccountRecord, 'email'>): void;
  /** The browser's device id if it is known for the account. */
  knownFor(ctx: Context, account: Pick<AccountRecord, 'email'> & AccountEpochs): string | undefined;
}

export function createKnownBrowsers(devices: DeviceCookies, pseudonyms: Pseudonyms): KnownBrowsers {
  return {
    remember: (ctx, account) => devices.remember(ctx, devices.read(ctx), pseudonyms.ofEmail(account.email)),
    knownFor: (ctx, account) => knownFor(devices.read(ctx), pseudonyms.ofEmail(account.email), account),
  };
}

function parse(payload: string): Device | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; a?: unknown };
    if (typeof parsed.i !== 'string' || !Array.isArray(parsed.a)) return undefined;
    const accounts = parsed.a.flatMap((entry: unknown) => {
      // [pseudonym, since]; a bare pseudonym is a cookie from before entries were dated: since 0,
      // so it counts only for an account whose access never ended.
      if (typeof entry === 'string') return [{ account: entry, since: 0 }];
      if (Array.isArray(entry) && typeof entry[0] === 'string' && Number.isSafeInteger(entry[1])) return [{ account: entry[0], since: entry[1] as number }];
      return [];
    });
    return { id: parsed.i, accounts: accounts.slice(-DEVICE_COOKIE_MAX_ACCOUNTS) };
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
      const others = (device?.accounts ?? []).filter((known) => known.account !== account).map((known) => [known.account, known.since]);
      const accounts = [...others, [account, Date.now()]].slice(-DEVICE_COOKIE_MAX_ACCOUNTS);
      const payload = Buffer.from(JSON.stringify({ i: id, a: accounts })).toString('base64url');
      const value = `${payload}.${pseudonyms.tag(`device:${payload}`)}`;
      ctx.cookies.set(DEVICE_COOKIE, value, { signed: false, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/interaction', maxAge: DEVICE_COOKIE_MAX_AGE_MS, overwrite: true });
    },
  };
}
