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

  it('answers -1 for what is not a string instead of throwing inside a request', () => {
    const signer = createCookieSigner([newest]);
    expect(signer.index('_session=abc', undefined as unknown as string)).toBe(-1);
    expect(signer.index(undefined as unknown as string, signer.sign('x'))).toBe(-1);
  });

  it('refuses to sign without a key', () => {
    expect(() => createCookieSigner([])).toThrow(/at least one key/);
  });
});
