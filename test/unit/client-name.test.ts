import { clientNameProblem, comparableName, invisibleCharacterIn } from '../../src/client-apps/client-name.js';

const reserved = ['Site A', 'Your account', 'Sign-in service'];

describe('clientNameProblem', () => {
  it('accepts an ordinary name of its own, accents and other scripts included', () => {
    for (const name of ['Site C', 'Café Crème', 'Überweisung 24', 'Fotoalbum', '東京アプリ', 'Site A Helpdesk']) {
      expect(clientNameProblem(name, reserved)).toBeUndefined();
    }
  });

  it.each([
    ['the same name', 'Site A'],
    ['other letter case and extra spaces', ' site  a '],
    ['a trailing dot', 'Site A.'],
    ['a dash instead of the space', 'site-a'],
    ['full-width letters (NFKC)', 'Ｓｉｔｅ Ａ'],
    ['Cyrillic look-alike letters', 'Ѕіtе А'],
    ['capitals', 'SITE A'],
    ['a diacritic', 'Sité À'],
    ['a no-break space', 'Your\u00a0account'],
    ['digits for look-alike letters', 'Y0ur acc0unt'],
    ['the service name', 'sign in service'],
    ['negative squared letters', '🆂🅸🆃🅴 🅰'],
    ['negative circled letters', '🅢🅘🅣🅔 🅐'],
    ['a boxed letter after plain ones', 'Site 🅰'],
    ['a regional indicator letter', 'Site 🇦'],
  ])('refuses %s', (_how, name) => {
    expect(clientNameProblem(name, reserved)).toMatch(/too close to/);
  });

  it('refuses a name with no letter or digit at all', () => {
    expect(clientNameProblem('🚀 ✨ ★', reserved)).toBe('must contain a letter or digit');
  });

  it('refuses an uppercase I for a lowercase l and a digit 1 for either', () => {
    for (const name of ['PayPaI', 'PayPa1', 'PAYPAL']) expect(clientNameProblem(name, ['PayPal'])).toMatch(/too close to "PayPal"/);
  });

  it.each([
    ['a right-to-left override', 'Site \u202eC', 'U+202E'],
    ['a left-to-right isolate', '\u2066Site C', 'U+2066'],
    ['a left-to-right mark', 'Site C\u200e', 'U+200E'],
    ['a zero-width space', 'Site\u200bC', 'U+200B'],
    ['a zero-width joiner', 'Site\u200dC', 'U+200D'],
    ['a soft hyphen', 'Si\u00adte C', 'U+00AD'],
    ['a NUL', 'Site\u0000C', 'U+0000'],
    ['a line feed', 'Site\nC', 'U+000A'],
    ['a DEL', 'Site\u007fC', 'U+007F'],
    ['a line separator', 'Site\u2028C', 'U+2028'],
    ['a paragraph separator', 'Site\u2029C', 'U+2029'],
    ['a Hangul filler', '\u3164', 'U+3164'],
    ['a blank braille cell', '\u2800', 'U+2800'],
    ['a private-use character', 'Site \ue000', 'U+E000'],
  ])('refuses %s', (_what, name, codePoint) => {
    expect(clientNameProblem(name, [])).toBe(`must not contain control, formatting or invisible characters (found ${codePoint})`);
  });

  it('refuses every C0 control character', () => {
    for (let code = 0; code <= 0x1f; code += 1) {
      expect(invisibleCharacterIn(`Site${String.fromCharCode(code)}C`)).toBe(`U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  });

  it('refuses a name of whitespace only', () => {
    for (const name of ['', ' ', '\u3000\u00a0 ']) expect(clientNameProblem(name, [])).toBe('must contain more than whitespace');
  });
});

describe('comparableName', () => {
  it('gives names that look alike one form, and names that differ different ones', () => {
    expect(comparableName('Ｓｉｔｅ Ａ')).toBe(comparableName('site a.'));
    expect(comparableName('STRASSE')).toBe(comparableName('Straße'));
    expect(comparableName('Site A')).not.toBe(comparableName('Site B'));
    expect(comparableName('Site A')).not.toBe(comparableName('Site A2'));
  });
});
