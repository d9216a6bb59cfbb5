/**
 * The certificate and key the IdP serves https with (TLS_CERT_FILE, TLS_KEY_FILE), read once at
 * start-up. A missing file, or a key that does not match its certificate, stops start-up with a
 * message naming the setting, never the key's content.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { AppError } from '../errors.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** PEM text: the certificate (followed by its chain) and its private key. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

async function readPem(name: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new AppError('invalid_config', `${name} (${path}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { expose: true, cause: error });
  }
}

export async function readTlsFiles(files: Readonly<TlsFiles>): Promise<TlsCredentials> {
  const credentials = { cert: await readPem('TLS_CERT_FILE', files.certFile), key: await readPem('TLS_KEY_FILE', files.keyFile) };
  try {
    // Parses both and checks that the key belongs to the certificate, as the server would on its
    // first connection: better to fail now than at a visitor's handshake.
    createSecureContext(credentials);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new AppError('invalid_config', `TLS_CERT_FILE and TLS_KEY_FILE are not a usable certificate and key: ${reason}`, { expose: true, cause: error });
  }
  return credentials;
}
