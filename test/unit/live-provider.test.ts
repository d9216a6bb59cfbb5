import Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../../src/config.js';
import { createCookieSigner } from '../../src/http/cookie-signer.js';
import { createLogger } from '../../src/logger.js';
import { generateCookieSecret } from '../../src/oidc/key-ring.js';
import { createLiveProvider, type KeyMaterial } from '../../src/oidc/live-provider.js';
import type { KeyRepository, StoredKey } from '../../src/storage/types.js';

describe('live provider', () => {
  it('keeps the provider, its cookie keys and the app notified alike when new key material is refused', async () => {
    let cookieSecrets: StoredKey[] = [generateCookieSecret(new Date(0))];
    const keys = { list: async (purpose: string) => (purpose === 'cookie' ? cookieSecrets : []) } as unknown as KeyRepository;
    // As src/oidc/provider.ts builds one: the cookie signer refuses an empty key list.
    const build = (material: KeyMaterial) => {
      createCookieSigner(material.cookieKeys);
      return new Koa() as unknown as Provider;
    };
    const live = await createLiveProvider({ config: { cookieSecrets: [], keysRefreshSeconds: 3600 } as unknown as Config, keys, logger: createLogger('error', () => {}), build });
    const swaps: KeyMaterial[] = [];
    live.onSwap((material) => swaps.push(material));
    const [provider, cookieKeys, signer] = [live.current(), live.cookieKeys(), live.cookieSigner()];
    // The same keys on a refresh: nothing swapped, the signer (and what it remembers) kept.
    await expect(live.refresh()).resolves.toBe(false);
    expect(live.cookieSigner()).toBe(signer);

    // Every cookie secret past its keep period: nothing left to sign with.
    cookieSecrets = cookieSecrets.map((secret) => ({ ...secret, removeAfter: new Date(1) }));
    await expect(live.refresh()).rejects.toThrow(/at least one key/);
    expect(live.current()).toBe(provider);
    expect(live.cookieKeys()).toEqual(cookieKeys);
    expect(live.cookieSigner()).toBe(signer);
    expect(swaps).toEqual([]);

    const next = generateCookieSecret(new Date(0));
    cookieSecrets = [next];
    await expect(live.refresh()).resolves.toBe(true);
    expect(live.current()).not.toBe(provider);
    expect(live.cookieKeys()).toEqual([next.material.secret]);
    expect(swaps.map((material) => material.cookieKeys)).toEqual([[next.material.secret]]);
    // One signer for the new keys, the app's and the provider's alike (its remembered signatures serve both).
    expect(live.cookieSigner()).toBe(swaps[0]!.cookieSigner);
    expect(live.cookieSigner()).not.toBe(signer);
    expect(live.cookieSigner().index('_session=x', signer.sign('_session=x'))).toBe(-1);
    live.stop();
  });
});
