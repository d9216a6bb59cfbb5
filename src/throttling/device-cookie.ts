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

/**
 * Sent to every page of the IdP (path /), so that the account page, where a password or a factor
 * changes, reads the browser's accounts before remembering it again. The name is not the `_device`
 * of earlier versions (path /interaction, undated entries): a browser keeping one would send it
 * first on sign-in pages, hiding this one; those are read as no cookie and expire.
 */
export const DEVICE_COOKIE = '_known_browser';
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
  /**
   * After a complete sign-in: this browser is now known for the account, since `since` (epoch ms):
   * when the sign-in's password check began, so that an access ended after that (a password
   * changed while the sign-in finished) ends this too.
   */
  remember(ctx: Context, device: Device | undefined, account: string, since: number): void;
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
  remember(ctx: Context, account: Pick<AccountRecord, 'email'>, since: number): void;
  /** The browser's device id if it is known for the account. */
  knownFor(ctx: Context, account: Pick<AccountRecord, 'email'> & AccountEpochs): string | undefined;
}

export function createKnownBrowsers(devices: DeviceCookies, pseudonyms: Pseudonyms): KnownBrowsers {
  return {
    remember: (ctx, account, since) => devices.remember(ctx, devices.read(ctx), pseudonyms.ofEmail(account.email), since),
    knownFor: (ctx, account) => knownFor(devices.read(ctx), pseudonyms.ofEmail(account.email), account),
  };
}

function parse(payload: string): Device | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; a?: unknown };
    if (typeof parsed.i !== 'string' || !Array.isArray(parsed.a)) return undefined;
    // [pseudonym, since]; nothing else is an entry.
    const accounts = parsed.a.flatMap((entry: unknown) =>
      Array.isArray(entry) && typeof entry[0] === 'string' && Number.isSafeInteger(entry[1]) ? [{ account: entry[0], since: entry[1] as number }] : [],
    );
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
    remember(ctx, device, account, since) {
      const id = device?.id ?? randomBytes(16).toString('base64url');
      const others = (device?.accounts ?? []).filter((known) => known.account !== account).map((known) => [known.account, known.since]);
      // Each date is a complete sign-in's (or a change's) on this browser: the later one stands. A
      // step-up's is its session's old password time, and must not undo a later one (a review).
      const previous = device?.accounts.find((known) => known.account === account)?.since ?? since;
      const accounts = [...others, [account, Math.max(previous, since)]].slice(-DEVICE_COOKIE_MAX_ACCOUNTS);
      const payload = Buffer.from(JSON.stringify({ i: id, a: accounts })).toString('base64url');
      const value = `${payload}.${pseudonyms.tag(`device:${payload}`)}`;
      ctx.cookies.set(DEVICE_COOKIE, value, { signed: false, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: DEVICE_COOKIE_MAX_AGE_MS, overwrite: true });
    },
  };
}
