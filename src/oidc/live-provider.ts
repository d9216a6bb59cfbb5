/**
 * oidc-provider reads its keys (JWKS, cookie keys) once, when it is constructed. To pick up a key
 * rotated by any instance, each IdP instance reloads the keys from the store every
 * `keysRefreshSeconds` and, when they changed, builds a fresh Provider and swaps it in. All
 * provider state lives in the store, so requests in flight finish on the old instance unharmed.
 */
import type { Middleware } from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { createCookieSigner, type CookieSigner } from '../http/cookie-signer.js';
import type { Logger } from '../logger.js';
import type { KeyRepository } from '../storage/types.js';
import { cookieKeys, providerJwks } from './key-ring.js';

export interface KeyMaterial {
  jwks: { keys: Record<string, unknown>[] };
  cookieKeys: string[];
  /**
   * Signs and checks cookies with cookieKeys: one per material, shared by the app and the
   * provider, so a cookie one of them signed is checked by the other from the signatures it
   * remembers (cookie-signer.ts). Made with the material: none is made without a key.
   */
  cookieSigner: CookieSigner;
}

export interface LiveProvider {
  current(): Provider;
  /** Koa middleware that hands each request to the current provider. */
  readonly middleware: Middleware;
  cookieKeys(): string[];
  cookieSigner(): CookieSigner;
  /** The signing keys the current provider publishes (private JWKs: never hand them out). */
  signingKeys(): KeyMaterial['jwks'];
  /** Reloads keys now; true when they changed and a new provider took over. */
  refresh(now?: Date): Promise<boolean>;
  onSwap(listener: (material: KeyMaterial) => void): void;
  stop(): void;
}

type LoadedKeys = Omit<KeyMaterial, 'cookieSigner'>;

async function loadMaterial(config: Readonly<Config>, keys: KeyRepository, now: Date): Promise<LoadedKeys> {
  const cookies = config.cookieSecrets.length > 0 ? [...config.cookieSecrets] : cookieKeys(await keys.list('cookie'), now);
  return { jwks: providerJwks(await keys.list('signing'), now), cookieKeys: cookies };
}

/** The keys with their cookie signer, made only for keys that are taken into use. */
const withSigner = (loaded: LoadedKeys): KeyMaterial => ({ ...loaded, cookieSigner: createCookieSigner(loaded.cookieKeys) });

function fingerprint(material: LoadedKeys): string {
  const signing = material.jwks.keys.map((key) => [key.kid, key.key_ops ?? 'sign']);
  return createHash('sha256').update(JSON.stringify([signing, material.cookieKeys])).digest('base64url');
}

export async function createLiveProvider(deps: {
  config: Readonly<Config>;
  keys: KeyRepository;
  logger: Logger;
  build(material: KeyMaterial): Provider;
}): Promise<LiveProvider> {
  const { config, keys, logger, build } = deps;
  let material = withSigner(await loadMaterial(config, keys, new Date()));
  let provider = build(material);
  let mounted = mount(provider);
  let print = fingerprint(material);
  const listeners: ((material: KeyMaterial) => void)[] = [];

  async function refresh(now = new Date()): Promise<boolean> {
    const loaded = await loadMaterial(config, keys, now);
    const nextPrint = fingerprint(loaded);
    if (nextPrint === print) return false;
    const next = withSigner(loaded);
    // Built before anything is swapped: material it refuses (no cookie secret left to sign with)
    // leaves the provider, the app's cookie keys and cookieKeys() as they were, all alike.
    const built = build(next);
    material = next;
    provider = built;
    mounted = mount(provider);
    print = nextPrint;
    for (const listener of listeners) listener(material);
    logger.info('keys.reloaded', { kids: material.jwks.keys.map((key) => key.kid) });
    return true;
  }

  const timer = setInterval(() => {
    refresh().catch((error: unknown) => logger.warn('keys.refresh_failed', { error }));
  }, config.keysRefreshSeconds * 1000);
  timer.unref();

  return {
    current: () => provider,
    middleware: (ctx, next) => mounted(ctx, next),
    cookieKeys: () => material.cookieKeys,
    cookieSigner: () => material.cookieSigner,
    signingKeys: () => material.jwks,
    refresh,
    onSwap: (listener) => listeners.push(listener),
    stop: () => clearInterval(timer),
  };
}
