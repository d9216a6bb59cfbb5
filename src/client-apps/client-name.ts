/**
 * What an app may call itself. The login and consent pages show `client_name` (RFC 7591
 * section 2) to the person signing in, so a name must be visible as written and must not pass
 * for one of the sign-in service's own apps or pages. The spoofing tricks answered here are the
 * ones Unicode's security considerations list (UTS #39 section 4, UTR #36 section 2): invisible
 * and bidirectional formatting characters, compatibility forms (full-width letters), letter case,
 * diacritics and look-alike letters from other scripts.
 */
import unhomoglyph from 'unhomoglyph';

/**
 * Characters that change how a name looks without being seen themselves: controls (Cc), format
 * characters (Cf: the bidirectional overrides and isolates U+202A-202E and U+2066-2069, U+200E/F,
 * zero-width spaces and joiners, the soft hyphen), line and paragraph separators (Zl, Zp),
 * private-use, surrogate and unassigned code points, everything Unicode calls default-ignorable
 * (U+3164 HANGUL FILLER, variation selectors) and U+2800, a blank braille cell.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** The first character that may not appear in a name, as U+XXXX, or undefined. */
export function invisibleCharacterIn(name: string): string | undefined {
  const found = INVISIBLE.exec(name)?.[0];
  return found === undefined ? undefined : `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Letters drawn in boxes and circles that NFKC leaves alone (they have no compatibility
 * decomposition): negative circled and negative squared capitals (U+1F150, U+1F170) and the
 * regional indicators (U+1F1E6) that flags are made of. "🅢🅘🅣🅔 🅐" reads as "SITE A".
 */
const BOXED_LETTERS: readonly [number, number][] = [
  [0x1f150, 0x1f169],
  [0x1f170, 0x1f189],
  [0x1f1e6, 0x1f1ff],
];

function withPlainLetters(name: string): string {
  return name.replace(/[\u{1F150}-\u{1F169}\u{1F170}-\u{1F189}\u{1F1E6}-\u{1F1FF}]/gu, (letter) => {
    const code = letter.codePointAt(0)!;
    const [first] = BOXED_LETTERS.find(([from, to]) => code >= from && code <= to)!;
    return String.fromCharCode(0x41 + code - first);
  });
}

/**
 * The form two names are compared in: equal forms look alike. Compatibility forms fold to their
 * plain letters (NFKC: "Ｓｉｔｅ" -> "Site"), case folds (toUpperCase first, so "ß" and "SS" meet),
 * diacritics drop, look-alike letters map to one prototype (UTS #39 confusables through
 * `unhomoglyph`: Cyrillic "а" -> Latin "a"), "i" and "l" count as one letter (an uppercase I and
 * a lowercase l are the same stroke in most fonts), and only letters and digits remain, so spaces,
 * dots and dashes can't tell two names apart ("Site A." = "site-a" = "Site A").
 */
export function comparableName(name: string): string {
  const folded = withPlainLetters(name).normalize('NFKC').toUpperCase().toLowerCase();
  const withoutMarks = folded.normalize('NFD').replace(/\p{M}/gu, '');
  return unhomoglyph(withoutMarks)
    .toLowerCase()
    .replace(/i/g, 'l')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Why `name` can't be used, or undefined. `reserved`: the names of the service's own apps and
 * pages that this name must not imitate.
 */
export function clientNameProblem(name: string, reserved: readonly string[]): string | undefined {
  const invisible = invisibleCharacterIn(name);
  if (invisible) return `must not contain control, formatting or invisible characters (found ${invisible})`;
  if (/^\p{White_Space}*$/u.test(name)) return 'must contain more than whitespace';
  const key = comparableName(name);
  // A name of symbols only can't be compared with anything, so it can't be shown either.
  if (key === '') return 'must contain a letter or digit';
  const imitated = reserved.find((other) => comparableName(other) === key);
  if (imitated !== undefined) return `is too close to "${imitated}", a name this sign-in service uses for itself or its own apps: choose a name of your own`;
  return undefined;
}
