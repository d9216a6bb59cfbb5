/**
 * Writing hostile values into URLs and form bodies byte for byte. URLSearchParams and
 * encodeURIComponent can't write what an attacker can: a lone surrogate (encodeURIComponent
 * throws), invalid UTF-8, or a broken escape like `%E0%A4%A`. Here a value is text to encode, or
 * `verbatim` bytes that go out exactly as written.
 */
export interface Verbatim {
  verbatim: string;
}
export type Value = string | Verbatim;
export type Pairs = [Value, Value][];

export const verbatim = (text: string): Verbatim => ({ verbatim: text });

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes UTF-8; a lone surrogate becomes its three WTF-8 bytes (invalid UTF-8 on purpose). */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    const char = text[i]!;
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    let bytes: number[];
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes = [...Buffer.from(text.slice(i, i + 2), 'utf8')];
      i += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
    } else {
      bytes = [...Buffer.from(char, 'utf8')];
    }
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const write = (value: Value) => (typeof value === 'string' ? percentEncode(value) : value.verbatim);

/** name=value&... as a query string or an application/x-www-form-urlencoded body. */
export function encodePairs(pairs: Pairs): string {
  return pairs.map(([name, value]) => `${write(name)}=${write(value)}`).join('&');
}

/** A path segment: encoded text, or verbatim bytes. */
export const encodeSegment = write;
