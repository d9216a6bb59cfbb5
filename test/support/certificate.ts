/**
 * Throw-away TLS material for tests: a self-signed certificate for idp.localhost and 127.0.0.1,
 * made by the openssl command at test time (nothing is downloaded or kept), and a fetch that
 * trusts it and resolves *.localhost to loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { loopbackLookup, type FetchFunction } from '../../src/http/loopback-resolver.js';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** A second, unrelated key: does not match `cert`. */
  otherKeyFile: string;
  remove(): void;
}

function newKey(path: string): void {
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], { stdio: 'pipe' });
}

export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'idp-tls-'));
  const [certFile, keyFile, otherKeyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem'), join(dir, 'other-key.pem')];
  try {
    newKey(keyFile);
    newKey(otherKeyFile);
    execFileSync(
      'openssl',
      ['req', '-x509', '-key', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=idp.localhost', '-addext', 'subjectAltName=DNS:idp.localhost,IP:127.0.0.1'],
      { stdio: 'pipe' },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`making a test certificate needs the openssl command (apt-get install openssl): ${String(error)}`);
  }
  return {
    certFile,
    keyFile,
    otherKeyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A file in the certificate's folder (removed with it), e.g. a PEM file that holds garbage. */
export function writeBeside(certificate: TestCertificate, name: string, text: string): string {
  const path = join(certificate.certFile, '..', name);
  writeFileSync(path, text);
  return path;
}

/** fetch() that trusts only `ca` for https, with *.localhost on loopback. */
export function fetchTrusting(ca: string): FetchFunction {
  const agent = new Agent({ connect: { ca, lookup: loopbackLookup as never } });
  return (input, init) => undiciFetch(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}
