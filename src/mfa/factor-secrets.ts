/**
 * The keys behind second factors: one to encrypt TOTP secrets at rest (AES-256-GCM) and one to
 * hash recovery codes (HMAC-SHA-256). Like the pseudonym secret (security/pseudonyms.ts) they are
 * generated once and kept in the store under a fixed id, so every instance and every restart uses
 * the same ones: two instances starting together both try to add the record and the store keeps
 * the first (KeyRepository.add never replaces an id). They never leave the IdP and are never logged.
 *
 * Why not rotating like the cookie secrets: every stored TOTP secret would have to be re-encrypted.
 * Each sealed value names its key id, so a rotation can be added later without a data migration.
 * TODO(rotation): add a successor record and re-encrypt on next use once key rotation is asked for.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { KeyRepository } from '../storage/types.js';

const FACTOR_KEY_ID = 'factor-secrets';

/** A TOTP secret as stored: never the plain secret. */
export interface Sealed {
  keyId: string;
  /** base64url: 12-byte GCM nonce, ciphertext, 16-byte tag. */
  iv: string;
  data: string;
  tag: string;
}

export interface FactorSecrets {
  seal(plain: string, accountId: string): Sealed;
  /** The plain text, or undefined when the value was not sealed by us for this account. */
  open(sealed: Sealed, accountId: string): string | undefined;
  /** Keyed hash of a recovery code (see recovery-codes.ts for why not argon2). */
  hashRecoveryCode(code: string): string;
}

export async function loadFactorSecrets(keys: KeyRepository, now = new Date()): Promise<FactorSecrets> {
  const find = async () => (await keys.list('factor')).find((key) => key.id === FACTOR_KEY_ID);
  if (!(await find())) {
    await keys.add({
      id: FACTOR_KEY_ID,
      purpose: 'factor',
      material: { encryption: randomBytes(32).toString('base64url'), recovery: randomBytes(32).toString('base64url') },
      createdAt: now,
      activatesAt: now,
    });
  }
  const stored = await find();
  if (!stored) throw new Error('The second-factor key could not be stored');
  const encryption = Buffer.from(String(stored.material.encryption), 'base64url');
  const recovery = Buffer.from(String(stored.material.recovery), 'base64url');
  if (encryption.length !== 32 || recovery.length !== 32) throw new Error('The stored second-factor key is malformed');

  return {
    seal(plain, accountId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryption, iv);
      // The account id as associated data: a sealed secret copied onto another account won't open.
      cipher.setAAD(Buffer.from(accountId));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { keyId: FACTOR_KEY_ID, iv: iv.toString('base64url'), data: data.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
    },
    open(sealed, accountId) {
      if (sealed?.keyId !== FACTOR_KEY_ID) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', encryption, Buffer.from(sealed.iv, 'base64url'));
        decipher.setAAD(Buffer.from(accountId));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
    hashRecoveryCode: (code) => createHmac('sha256', recovery).update(code).digest('base64url'),
  };
}
