/**
 * A keyed hash of an email: the same person always gets the same pseudonym (so logs, the audit
 * trail, throttling keys and device cookies can name them), but nobody without the IdP's secret
 * can turn it back into the email or test a guess. The secret is generated once and kept in the
 * store under a fixed id, so every instance, and every restart, computes the same pseudonyms: two
 * instances starting together both try to add it and the store keeps the first (KeyRepository.add
 * never replaces an existing id).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { normalizeEmail, type KeyRepository } from '../storage/types.js';

export interface Pseudonyms {
  /** 128 bits of HMAC-SHA256 over the normalized email, base64url. */
  ofEmail(email: string): string;
  /**
   * A MAC of `value` under the same never-rotated secret (domain-separated from emails): for
   * long-lived values the IdP hands out and must recognise later, such as device cookies, which
   * outlive every cookie secret rotation.
   */
  tag(value: string): string;
}

const PSEUDONYM_KEY_ID = 'pseudonym';

export async function loadPseudonyms(keys: KeyRepository, now = new Date()): Promise<Pseudonyms> {
  if (!(await keys.list('pseudonym')).some((key) => key.id === PSEUDONYM_KEY_ID)) {
    await keys.add({ id: PSEUDONYM_KEY_ID, purpose: 'pseudonym', material: { secret: randomBytes(32).toString('base64url') }, createdAt: now, activatesAt: now });
  }
  const stored = (await keys.list('pseudonym')).find((key) => key.id === PSEUDONYM_KEY_ID);
  const secret = Buffer.from(String(stored?.material.secret), 'base64url');
  const mac = (domain: string, value: string) => createHmac('sha256', secret).update(domain).update('\0').update(value).digest().subarray(0, 16).toString('base64url');
  return {
    ofEmail: (email) => createHmac('sha256', secret).update(normalizeEmail(email).slice(0, 320)).digest().subarray(0, 16).toString('base64url'),
    tag: (value) => mac('tag', value),
  };
}
