/**
 * A WebAuthn authenticator in the test process: a P-256 key that answers registration and sign-in
 * options the way a browser and authenticator together would (WebAuthn Level 3 sections 6.1, 6.5,
 * 7), with "none" attestation. Lets HTTP tests make real signatures, and then bend exactly one
 * thing an attacker would: the origin, the challenge, the counter, the user verification flag,
 * the key. The CBOR comes from @simplewebauthn/server's own helpers, as the IdP's parsing does.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | Buffer | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

// Authenticator data flags (WebAuthn 6.1).
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

export interface Bend {
  origin?: string;
  challenge?: string;
  rpId?: string;
  /** The counter to claim instead of the next one. */
  counter?: number;
  userVerified?: boolean;
  /** Sign with another key (a forgery). */
  signWith?: KeyObject;
  userHandle?: string | null;
  type?: string;
  backupEligible?: boolean;
}

export function createSoftwareAuthenticator(options: { origin: string; rpId?: string; backupEligible?: boolean; counterStart?: number }) {
  const rpId = options.rpId ?? new URL(options.origin).hostname;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(32);
  const id = b64url(credentialId);
  let counter = options.counterStart ?? 0;
  let userHandle: string | undefined;

  const flags = (bend: Bend, extra = 0) => {
    const backup = bend.backupEligible ?? options.backupEligible ?? false;
    return UP | (bend.userVerified === false ? 0 : UV) | (backup ? BE | BS : 0) | extra;
  };
  const counterBytes = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return bytes;
  };
  const clientData = (type: string, challenge: string, bend: Bend) =>
    Buffer.from(JSON.stringify({ type: bend.type ?? type, challenge: bend.challenge ?? challenge, origin: bend.origin ?? options.origin, crossOrigin: false }));

  return {
    id,
    privateKey,
    /** An attestation response to registration options (PublicKeyCredentialCreationOptionsJSON). */
    register(creation: { challenge: string; user: { id: string } }, bend: Bend = {}) {
      userHandle = creation.user.id;
      const cose = new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]);
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const authData = Buffer.concat([
        sha256(bend.rpId ?? rpId),
        Buffer.from([flags(bend, AT)]),
        counterBytes(counter),
        Buffer.alloc(16),
        idLength,
        credentialId,
        Buffer.from(isoCBOR.encode(cose as never)),
      ]);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientData('webauthn.create', creation.challenge, bend)), attestationObject: b64url(attestationObject), transports: ['internal'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    /** An assertion for request options (PublicKeyCredentialRequestOptionsJSON). */
    assert(request: { challenge: string }, bend: Bend = {}) {
      counter = bend.counter ?? counter + 1;
      const authenticatorData = Buffer.concat([sha256(bend.rpId ?? rpId), Buffer.from([flags(bend)]), counterBytes(counter)]);
      const clientDataJSON = clientData('webauthn.get', request.challenge, bend);
      const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), bend.signWith ?? privateKey);
      const handle = bend.userHandle === null ? undefined : (bend.userHandle ?? userHandle);
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature), ...(handle ? { userHandle: handle } : {}) },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}

export type SoftwareAuthenticator = ReturnType<typeof createSoftwareAuthenticator>;

/** The WebAuthn options a page carries in its passkey form's data-options attribute. */
export function passkeyOptionsIn<T = { challenge: string; user: { id: string } }>(html: string): T {
  const raw = /data-options="([^"]*)"/.exec(html)?.[1];
  if (raw === undefined) throw new Error('no passkey form on this page');
  return JSON.parse(raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as T;
}
