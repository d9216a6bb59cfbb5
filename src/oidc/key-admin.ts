/**
 * What an admin does with the key ring (list, rotate, prune), for the admin CLI and the
 * Management API alike: one function each, over key-ring.ts. A key is described by its id, kind
 * and timeline only (KeyInfo): the key material never leaves this module, so neither caller can
 * print or serve it by mistake.
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { KeyRepository, SigningAlgorithm, StoredKey } from '../storage/types.js';
import { isActive, isPublished, pruneKeys, rotateKeys, rotationTiming, SIGNING_ALGORITHMS, type RotatingPurpose } from './key-ring.js';

export const KEY_PURPOSE_CHOICES = ['signing', 'cookie', 'all'] as const;
export type KeyPurposeChoice = (typeof KEY_PURPOSE_CHOICES)[number];
export type KeyState = 'active' | 'published' | 'retired' | 'expired';

/**
 * Published keys of one purpose a rotation may leave behind. Every rotation keeps the keys it
 * replaces published until everything they signed has expired, so rotating in a loop would grow
 * the JWKS (served to anyone) and every cookie check without end; past this, prune first or wait.
 */
export const MAX_PUBLISHED_KEYS = 12;

export interface KeyInfo {
  id: string;
  purpose: RotatingPurpose;
  alg?: SigningAlgorithm;
  state: KeyState;
  activatesAt: Date;
  retiresAt?: Date;
  removeAfter?: Date;
}

type TimingConfig = Pick<Config, 'keysRefreshSeconds' | 'ttl'>;

export function purposesOf(choice: KeyPurposeChoice | undefined): RotatingPurpose[] {
  return choice === undefined || choice === 'all' ? ['signing', 'cookie'] : [choice];
}

export function keyState(key: StoredKey, now: Date): KeyState {
  if (!isPublished(key, now)) return 'expired';
  if (isActive(key, now)) return 'active';
  return key.activatesAt > now ? 'published' : 'retired';
}

function describe(key: StoredKey, now: Date): KeyInfo {
  return {
    id: key.id,
    purpose: key.purpose as RotatingPurpose,
    ...(key.alg ? { alg: key.alg } : {}),
    state: keyState(key, now),
    activatesAt: key.activatesAt,
    ...(key.retiredAt ? { retiresAt: key.retiredAt } : {}),
    ...(key.removeAfter ? { removeAfter: key.removeAfter } : {}),
  };
}

export async function listKeyInfo(keys: KeyRepository, choice: KeyPurposeChoice | undefined, now = new Date()): Promise<KeyInfo[]> {
  const found: KeyInfo[] = [];
  for (const purpose of purposesOf(choice)) found.push(...(await keys.list(purpose)).map((key) => describe(key, now)));
  return found;
}

/** New keys are published first and sign after two refresh intervals (see key-ring.ts). Returns the keys added. */
/**
 * Rotations run one at a time in this process: checked and added together, so a burst of
 * concurrent calls can't each pass the cap on the same count (several instances can still
 * interleave; each is held to the cap it sees).
 */
let rotating: Promise<unknown> = Promise.resolve();

export function rotateKeyRing(keys: KeyRepository, config: TimingConfig, choice: KeyPurposeChoice | undefined, now = new Date()): Promise<KeyInfo[]> {
  const turn = rotating.then(() => rotateNow(keys, config, choice, now));
  rotating = turn.catch(() => undefined);
  return turn;
}

/** Each rotation publishes one successor per algorithm (two signing keys, one cookie secret). */
const ADDED_PER_ROTATION: Record<RotatingPurpose, number> = { signing: SIGNING_ALGORITHMS.length, cookie: 1 };

async function rotateNow(keys: KeyRepository, config: TimingConfig, choice: KeyPurposeChoice | undefined, now: Date): Promise<KeyInfo[]> {
  const purposes = purposesOf(choice);
  for (const purpose of purposes) {
    const published = (await keys.list(purpose)).filter((key) => isPublished(key, now)).length;
    if (published + ADDED_PER_ROTATION[purpose] > MAX_PUBLISHED_KEYS) {
      throw new AppError('conflict', `${published} ${purpose} keys are published already (at most ${MAX_PUBLISHED_KEYS}): prune the expired ones, or wait until the retired ones expire`);
    }
  }
  const added: KeyInfo[] = [];
  for (const purpose of purposes) {
    added.push(...(await rotateKeys(keys, purpose, { ...rotationTiming(config, purpose), now })).map((key) => describe(key, now)));
  }
  return added;
}

/** Deletes the keys past their removeAfter; returns them by id and purpose. */
export async function pruneKeyRing(keys: KeyRepository, choice: KeyPurposeChoice | undefined, now = new Date()): Promise<{ id: string; purpose: RotatingPurpose }[]> {
  const removed: { id: string; purpose: RotatingPurpose }[] = [];
  for (const purpose of purposesOf(choice)) removed.push(...(await pruneKeys(keys, purpose, now)).map((id) => ({ id, purpose })));
  return removed;
}
