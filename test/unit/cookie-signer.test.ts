import Keygrip from 'keygrip';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCookieSigner, hmacSha1, REMEMBERED_DATA, REMEMBERED_SIGNATURES } from '../../src/http/cookie-signer.js';

/** A signer whose HMACs are counted. */
function countingSigner(keys: string[]) {
  const calls = { count: 0 };
  const signer = createCookieSigner(keys, (secret: KeyObject, data: string) => {
    calls.count += 1;
    return hmacSha1(secret, data);
  });
  return { signer, calls };
}

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

  describe('remembered signatures (no HMAC for a cookie it signed or checked already)', () => {
    it('checks a cookie it signed, and signs the same data again, without another HMAC', () => {
      const { signer, calls } = countingSigner([newest, older]);
      const digest = signer.sign('_interaction=abc');
      expect(calls.count).toBe(1);
      expect(signer.index('_interaction=abc', digest)).toBe(0);
      expect(signer.verify('_interaction=abc', digest)).toBe(true);
      expect(signer.sign('_interaction=abc')).toBe(digest);
      expect(calls.count).toBe(1);
    });

    it('checks a cookie of the newest key once, then from memory; an older key\'s every time, so it is signed again', () => {
      const { signer, calls } = countingSigner([newest, older]);
      const byNewest = new Keygrip([newest]).sign('_session=abc');
      expect(signer.index('_session=abc', byNewest)).toBe(0);
      expect(calls.count).toBe(1);
      expect(signer.index('_session=abc', byNewest)).toBe(0);
      expect(calls.count).toBe(1);
      const byOlder = new Keygrip([older]).sign('_session=old');
      expect(signer.index('_session=old', byOlder)).toBe(1);
      expect(signer.index('_session=old', byOlder)).toBe(1);
      expect(calls.count).toBe(1 + 2 * 2);
    });

    it('refuses every other signature of remembered data, an older key\'s still counting as the older key', () => {
      const signer = createCookieSigner([newest, older]);
      const good = signer.sign('_session=abc');
      expect(signer.index('_session=abc', new Keygrip([older]).sign('_session=abc'))).toBe(1);
      for (const forged of [new Keygrip([unknown]).sign('_session=abc'), `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`, good.slice(0, -1), `${good}A`, '']) {
        expect(signer.index('_session=abc', forged)).toBe(-1);
      }
      // Nor does remembering one cookie's signature make it good for another name or value.
      expect(signer.index('_session=abd', good)).toBe(-1);
      expect(signer.index('_interaction=abc', good)).toBe(-1);
      expect(signer.index('_session=abc', good)).toBe(0);
    });

    it(`remembers at most ${REMEMBERED_SIGNATURES} signatures, of data up to ${REMEMBERED_DATA} characters, the oldest going first`, () => {
      const { signer, calls } = countingSigner([newest]);
      const first = signer.sign('_session=0');
      for (let n = 1; n <= REMEMBERED_SIGNATURES; n += 1) signer.sign(`_session=${n}`);
      const before = calls.count;
      // The first was pushed out: checking it takes an HMAC again; the newest is still remembered.
      expect(signer.index('_session=0', first)).toBe(0);
      expect(calls.count).toBe(before + 1);
      expect(signer.index(`_session=${REMEMBERED_SIGNATURES}`, signer.sign(`_session=${REMEMBERED_SIGNATURES}`))).toBe(0);
      expect(calls.count).toBe(before + 1);
      const long = `_session=${'x'.repeat(REMEMBERED_DATA)}`;
      const digest = signer.sign(long);
      expect(signer.index(long, digest)).toBe(0);
      expect(calls.count).toBe(before + 3);
    });

    it('does not remember a cleared cookie (the same `name=` for everyone)', () => {
      const { signer, calls } = countingSigner([newest]);
      const cleared = signer.sign('_session=');
      expect(signer.index('_session=', cleared)).toBe(0);
      expect(signer.sign('_session=')).toBe(cleared);
      expect(calls.count).toBe(3);
    });

    describe("keeps a copy of what it remembers, not the request's whole Cookie header it was cut from", () => {
      // Found by a security review: `cookies` hands over slices of the header, which V8 keeps
      // whole behind them; 1,000 good cookies in 16 KiB headers held ~16 MB.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const ids = Array.from({ length: REMEMBERED_SIGNATURES }, (_, n) => `uid${String(n).padStart(18, '0')}`);
      const issuer = createCookieSigner([newest]);
      const signatures = ids.map((uid) => issuer.sign(`_interaction=${uid}`));
      /** Heap growth over `read` for every id, with everything read kept remembered. */
      const heapGrowth = (read: (uid: string, n: number) => void) => {
        gc();
        const before = process.memoryUsage().heapUsed;
        ids.forEach(read);
        gc();
        return process.memoryUsage().heapUsed - before;
      };

      it('as `cookies` reads a signed cookie (the signature sent)', () => {
        const Cookies = createRequire(import.meta.url)('cookies') as new (req: object, res: object, options: { keys: unknown }) => { get(name: string, options: { signed: boolean }): string | undefined };
        const { signer, calls } = countingSigner([newest]);
        const grown = heapGrowth((uid, n) => {
          const header = [`junk=${'x'.repeat(16 * 1024 - 200)}${n}`, `_interaction=${uid}`, `_interaction.sig=${signatures[n]}`].join('; ');
          expect(new Cookies({ headers: { cookie: header }, connection: {} }, { getHeader() {}, setHeader() {} }, { keys: signer }).get('_interaction', { signed: true })).toBe(uid);
        });
        expect(grown).toBeLessThan(2 * 1024 * 1024);
        // They are remembered all the same: checking one again takes no HMAC.
        const checked = calls.count;
        expect(signer.index(`_interaction=${ids[0]}`, signatures[0]!)).toBe(0);
        expect(calls.count).toBe(checked);
      });

      it('data that is itself a slice of a large string', () => {
        const { signer } = countingSigner([newest]);
        const grown = heapGrowth((uid, n) => {
          const data = `_interaction=${uid}`;
          const large = `${'y'.repeat(16 * 1024)}${n}${data}`;
          expect(signer.index(large.slice(large.length - data.length), signatures[n]!)).toBe(0);
        });
        expect(grown).toBeLessThan(2 * 1024 * 1024);
      });
    });

    it('forgets them with its keys: a signer of other keys checks from scratch and refuses the old ones', () => {
      const first = createCookieSigner([older]);
      const digest = first.sign('_session=abc');
      const rotated = countingSigner([newest]);
      expect(rotated.signer.index('_session=abc', digest)).toBe(-1);
      expect(rotated.calls.count).toBe(1);
    });
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
