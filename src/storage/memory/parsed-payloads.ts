/**
 * The memory store keeps each record as JSON text (oidc-records.ts) and answers every read with a
 * fresh object, so no caller can change a stored record by changing what it read. Parsing that
 * text on every read was a measurable part of the cheapest requests (issue 10: userinfo and
 * introspection read an access token and a grant each, ~6-7 µs of JSON.parse's allocations a
 * request in an in-process A/B run). So the records read most recently are kept parsed, and a read
 * copies that parse: the same fresh objects, without making every string of the record again
 * (strings can't be changed, so sharing them is safe).
 *
 * Kept per stored version: the key is the store's entry object, which every write replaces, so a
 * parse can never outlive the text it came from. Bounded: at most `kept` parses, the least recently
 * read going first.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How many parsed records are kept; at ~1-3 KB of objects each, a few MB at most. */
export const KEPT_PARSED_PAYLOADS = 1_000;

/**
 * A deep copy of what JSON.parse returned: plain objects, arrays and primitives only. A key named
 * `__proto__` stays an own property, as JSON.parse makes it: assigned, it would set the copy's
 * prototype instead (a record holding request parameters may have any key).
 */
export function copyParsed<T extends Json>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyParsed) as T;
  const copy: Record<string, Json> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copyParsed(value[key]!), enumerable: true, writable: true, configurable: true });
    else copy[key] = copyParsed(value[key]!);
  }
  return copy as T;
}

export interface ParsedPayloads<Entry extends { json: string }> {
  /** A fresh copy of the entry's parsed JSON. */
  read(entry: Entry): Record<string, unknown>;
  /** The entry is gone from the store: its parse goes too. */
  forget(entry: Entry): void;
  /** How many parses are kept now. */
  readonly size: number;
}

export function createParsedPayloads<Entry extends { json: string }>(kept = KEPT_PARSED_PAYLOADS): ParsedPayloads<Entry> {
  const parsed = new Map<Entry, Record<string, Json>>();
  return {
    read(entry) {
      let payload = parsed.get(entry);
      if (payload) {
        // Read last now: a Map iterates oldest-set first, and that one goes when full.
        parsed.delete(entry);
      } else {
        payload = JSON.parse(entry.json) as Record<string, Json>;
        if (parsed.size >= kept) parsed.delete(parsed.keys().next().value!);
      }
      parsed.set(entry, payload);
      return copyParsed(payload);
    },
    forget(entry) {
      parsed.delete(entry);
    },
    get size() {
      return parsed.size;
    },
  };
}
