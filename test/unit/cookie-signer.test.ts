import Keygrip from 'keygrip';
import { createCookieSigner } from '../../src/http/cookie-signer.js';

// keygrip is what Koa's `cookies` signs with by default, and what every cookie already out there
// was signed with: ours must give and accept exactly the same signatures.
const [newest, older, unknown] = ['n'.repeat(43), 'o'.repeat(43), 'u'.repeat(43)];
const data = ['_session=Zm9vYmFy', '_interaction=abc.def', '', '名前=値', `_session=${'x'.repeat(4000)}`];

describe('cookie signer', () => {
  it("signs as keygrip does, with the newest key", () => {
    const signer = createCookieSigner([newest, older]);
    for (const value of data) expect(signer.sign(value)).toBe(new Keygrip([newest, older]).sign(value));
  });

  it('says which key made a signature, as keygrip does, so cookies of an older key are signed again', () => {
    const signer = createCookieSigner([newest, older]);
    for (const value of data) {
      expect(signer.index(value, new Keygrip([newest]).sign(value))).toBe(0);
      expect(signer.index(value, new Keygrip([older]).sign(value))).toBe(1);
      expect(signer.verify(value, new Keygrip([older]).sign(value))).toBe(true);
    }
  });

  it('accepts no signature of a key it does not hold, of other data, or of another length', () => {
    const signer = createCookieSigner([newest, older]);
    const good = signer.sign('_session=abc');
    const forged = [
      new Keygrip([unknown]).sign('_session=abc'),
      signer.sign('_session=abd'),
      `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`,
      good.slice(0, -1),
      `${good}=`,
      good.toUpperCase() === good ? good.toLowerCase() : good.toUpperCase(),
      '',
    ];
    for (const digest of forged) {
      expect(signer.index('_session=abc', digest)).toBe(-1);
      expect(signer.verify('_session=abc', digest)).toBe(false);
      expect(new Keygrip([newest, older]).index('_session=abc', digest)).toBe(-1);
    }
  });

  it('compares the signature as written: another spelling of the same bytes is refused, as keygrip refuses it', () => {
    const signer = createCookieSigner([newest]);
    const good = signer.sign('_session=abc');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 20 bytes in 27 characters: the last one's two low bits carry nothing, so three other endings decode alike.
    const last = alphabet.indexOf(good.at(-1)!);
    const twins = [0, 1, 2, 3].filter((bits) => bits !== (last & 3)).map((bits) => `${good.slice(0, -1)}${alphabet[(last & ~3) | bits]}`);
    expect(twins).toHaveLength(3);
    for (const twin of twins) {
      expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(good, 'base64url'));
      expect(signer.index('_session=abc', twin)).toBe(-1);
      expect(new Keygrip([newest]).index('_session=abc', twin)).toBe(-1);
    }
    // The standard base64 spelling of the same signature, padded or not.
    const standard = Buffer.from(good, 'base64url').toString('base64');
    for (const other of [standard, standard.replace(/=+$/, '')].filter((candidate) => candidate !== good)) expect(signer.index('_session=abc', other)).toBe(-1);
  });

  it('answers -1 for what is not a string instead of throwing inside a request', () => {
    const signer = createCookieSigner([newest]);
    expect(signer.index('_session=abc', undefined as unknown as string)).toBe(-1);
    expect(signer.index(undefined as unknown as string, signer.sign('x'))).toBe(-1);
  });

  it('refuses to sign without a key', () => {
    expect(() => createCookieSigner([])).toThrow(/at least one key/);
  });
});
