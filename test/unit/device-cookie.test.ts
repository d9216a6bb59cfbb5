/**
 * The device cookie's entries (src/throttling/device-cookie.ts): each account's with when it was
 * given, counted only while the account's access and other sessions have not ended since.
 */
import type { Context } from 'koa';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { loadPseudonyms } from '../../src/security/pseudonyms.js';
import { createDeviceCookies, DEVICE_COOKIE, knownFor } from '../../src/throttling/device-cookie.js';

/** Just enough of a Koa context for the cookie: what the browser sent, what was set. */
function browser(sent?: string) {
  const set: Record<string, string> = {};
  const ctx = { secure: false, cookies: { get: (name: string) => (name === DEVICE_COOKIE ? sent : undefined), set: (name: string, value: string) => void (set[name] = value) } };
  return { ctx: ctx as unknown as Context, set };
}

describe('device cookies', () => {
  it('know an account from when a sign-in was completed, until its access or other sessions end', async () => {
    const devices = createDeviceCookies(await loadPseudonyms(createMemoryStorage().keys));
    const first = browser();
    const since = Date.now() - 5000;
    devices.remember(first.ctx, undefined, 'pseudonym-a', since);
    const device = devices.read(browser(first.set[DEVICE_COOKIE]).ctx)!;
    expect(device.accounts).toEqual([{ account: 'pseudonym-a', since }]);
    expect(knownFor(device, 'pseudonym-a', {})).toBe(device.id);
    expect(knownFor(device, 'pseudonym-b', {})).toBeUndefined();
    expect(knownFor(device, 'pseudonym-a', { accessEndedAt: new Date(since - 1) })).toBe(device.id);
    // Remembered by the change itself, in the same millisecond: known.
    expect(knownFor(device, 'pseudonym-a', { accessEndedAt: new Date(since) })).toBe(device.id);
    expect(knownFor(device, 'pseudonym-a', { accessEndedAt: new Date(since + 1) })).toBeUndefined();
    expect(knownFor(device, 'pseudonym-a', { otherSessionsEndedAt: new Date(since + 1000) })).toBeUndefined();
  });

  it('read no entry but [pseudonym, since]: one from before entries were dated is none', async () => {
    const pseudonyms = await loadPseudonyms(createMemoryStorage().keys);
    const devices = createDeviceCookies(pseudonyms);
    const payload = Buffer.from(JSON.stringify({ i: 'device-1', a: ['pseudonym-a', ['pseudonym-b', 5], ['bad'], 7, ['pseudonym-c', 1.5]] })).toString('base64url');
    const device = devices.read(browser(`${payload}.${pseudonyms.tag(`device:${payload}`)}`).ctx)!;
    expect(device.accounts).toEqual([{ account: 'pseudonym-b', since: 5 }]);
    expect(knownFor(device, 'pseudonym-a', {})).toBeUndefined();
  });

  it('keep the newest five accounts, each once, with a forged tag read as no cookie', async () => {
    const devices = createDeviceCookies(await loadPseudonyms(createMemoryStorage().keys));
    let sent: string | undefined;
    for (const account of ['a', 'b', 'c', 'd', 'e', 'f', 'b']) {
      const next = browser();
      devices.remember(next.ctx, sent === undefined ? undefined : devices.read(browser(sent).ctx), account, Date.now());
      sent = next.set[DEVICE_COOKIE];
    }
    expect(devices.read(browser(sent).ctx)!.accounts.map((entry) => entry.account)).toEqual(['c', 'd', 'e', 'f', 'b']);
    // One character of the tag changed (its first: the last few carry padding bits, so a change
    // there can decode the same, and replacing them with fixed characters can leave them as they were).
    const [payload, tag] = sent!.split('.') as [string, string];
    expect(devices.read(browser(`${payload}.${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}`).ctx)).toBeUndefined();
  });
});
