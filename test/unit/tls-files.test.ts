import { AppError } from '../../src/errors.js';
import { readTlsFiles } from '../../src/http/tls-files.js';
import { selfSignedCertificate, writeBeside, type TestCertificate } from '../support/certificate.js';

let certificate: TestCertificate;
beforeAll(() => {
  certificate = selfSignedCertificate();
});
afterAll(() => {
  certificate.remove();
});

async function refusal(files: { certFile: string; keyFile: string }): Promise<AppError> {
  const error = await readTlsFiles(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error).toMatchObject({ code: 'invalid_config', expose: true });
  return error;
}

describe('readTlsFiles', () => {
  it('reads a certificate and the key that belongs to it', async () => {
    await expect(readTlsFiles(certificate)).resolves.toEqual({ cert: certificate.cert, key: certificate.key });
  });

  it('refuses a key that does not belong to the certificate, without printing the key', async () => {
    const error = await refusal({ certFile: certificate.certFile, keyFile: certificate.otherKeyFile });
    expect(error.message).toMatch(/^TLS_CERT_FILE and TLS_KEY_FILE are not a usable certificate and key: /);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('refuses a file that is not PEM', async () => {
    const garbage = writeBeside(certificate, 'garbage.pem', 'not a certificate');
    expect((await refusal({ certFile: garbage, keyFile: certificate.keyFile })).message).toContain('not a usable certificate and key');
  });

  it('refuses a missing file, naming the setting and the path', async () => {
    const error = await refusal({ certFile: certificate.certFile, keyFile: '/nonexistent/key.pem' });
    expect(error.message).toBe('TLS_KEY_FILE (/nonexistent/key.pem) cannot be read: ENOENT');
  });
});
