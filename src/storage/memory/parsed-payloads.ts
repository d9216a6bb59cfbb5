/**
 * The memory store keeps each record as JSON text (oidc-records.ts) and answers every read with a
 * fresh object, so no caller can change a stored record by changing what it read. Parsing that
 * text on every read was a measurable part of the cheapest requests (issue 10: userinfo and
 * introspection read an access token and a grant each, ~6-7 µs of JSON.parse's allocations a
 * request in an in-process A/B run). So the records read lately are kept parsed, and a read
 * copies that parse: the same fresh objects, without making every string of the record again
 * (strings can't be changed, so sharing them is safe).
 *
 * Kept per stored version: the key is the store's entry object, which every write replaces, so a
 * parse can never outlive the text it came from. Bounded three ways, the parse kept longest ago
 * going first: at most `kept` parses, only of records of at most `largestKept` characters of JSON,
 * and at most `keptCharacters` characters of JSON in all. Tokens, grants, sessions and interactions
 * are well under the second; a larger record is parsed on every read, as before. The third is for
 * hostile records: reviewers' worst shapes (arrays of empty arrays or objects, a claims parameter
 * nested 800 deep in an access token, objects nested under array-index keys) parse to up to ~38
 * bytes a character, plans included, so the kept parses stay under ~15 MB whatever they hold.
 * Kept longest ago rather than read longest ago: moving a parse to the end of the Map on every
 * read cost ~0.5 µs a read in a running server (its hash table out of the cache), where a parse
 * dropped while still in use costs one more JSON.parse per thousand records kept after it.
 *
 * The plan and the copy recurse, one call per level, where JSON.parse doesn't: a kept record nests
 * at most 1,024 deep, far within the stack of any request, and a record whose plan or first copy
 * overflows it anyway is answered by its parse and not kept, before anything kept makes room for it. (A review found a planted interaction nested 3,000 deep making "sign out
 * everywhere" fail before these bounds; test/integration/deep-records.test.ts.)
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How many parsed records are kept. */
export const KEPT_PARSED_PAYLOADS = 1_000;
/** The longest JSON (characters) whose parse is kept: ~4x the records userinfo and sign-in read. */
export const LARGEST_KEPT_JSON = 2_048;
/** The JSON (characters) of all kept parses together: at ~38 bytes a character at worst, plans included, ~15 MB. */
export const KEPT_JSON_CHARACTERS = 384 * 1024;

/**
 * A deep copy of what JSON.parse returned: plain objects, arrays and primitives only. Every key is
 * an own data property, as JSON.parse makes it, also one that Object.prototype has (`__proto__`,
 * `toString`): spread defines each key on the copy rather than assigning it, and the nested
 * values are then written over those own, writable properties, which never reaches the
 * prototype's `__proto__` setter or a read-only or accessor property there (frozen intrinsics).
 * A record holding request parameters may have any key.
 *
 * Spread rather than adding the keys one by one: V8 clones the parse's shape in one step, every
 * field in the object itself as JSON.parse lays them out, where added one by one all but the first
 * four went to a separate property array. `npm run bench:cpu` with ours before and after in the two
 * columns: userinfo 173 -> 167 µs a request on Node 24, unchanged on Node 20; introspection
 * unchanged on both (issue 10).
 */
export function copyParsed<T extends Json>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyParsed) as T;
  const copy: Record<string, Json> = { ...value };
  for (const key of Object.keys(copy)) {
    const field = copy[key]!;
    if (field !== null && typeof field === 'object') copy[key] = copyParsed(field);
  }
  return copy as T;
}

/**
 * Where a kept parse holds objects and arrays, so that a read copies only those and never looks at
 * the rest: the key of each field holding an object or array, then the plan of that object, or
 * ARRAY for an array (copied whole with copyParsed: arrays are rare in records and mostly of
 * strings). The keys and plans alternate in one array, and a level holding neither is the one
 * shared FLAT plan, so most records' plan is a few small arrays made once, when the parse is kept.
 * Copying along it, the access token userinfo reads took ~40 ns instead of ~270 ns (microbenchmark,
 * Node 20): no list of keys made and walked per level on every read (issue 10).
 */
type CopyPlan = readonly (string | CopyPlan | typeof ARRAY)[];
const ARRAY = 0;
const FLAT: CopyPlan = Object.freeze([]);

function planOf(value: { [key: string]: Json }): CopyPlan {
  let plan: (string | CopyPlan | typeof ARRAY)[] | undefined;
  for (const key of Object.keys(value)) {
    const field = value[key]!;
    if (field === null || typeof field !== 'object') continue;
    (plan ??= []).push(key, Array.isArray(field) ? ARRAY : planOf(field));
  }
  // A copy: an array grown by push keeps room for 16 more, which a deep hostile record multiplies.
  return plan ? plan.slice() : FLAT;
}

/** copyParsed for an object whose plan is known: the same fresh objects, the same own keys. */
function copyAlong(value: { [key: string]: Json }, plan: CopyPlan): Record<string, Json> {
  const copy: Record<string, Json> = { ...value };
  for (let at = 0; at < plan.length; at += 2) {
    const key = plan[at] as string;
    const inner = plan[at + 1] as CopyPlan | typeof ARRAY;
    copy[key] = inner === ARRAY ? copyParsed(value[key]!) : copyAlong(value[key] as { [key: string]: Json }, inner);
  }
  return copy;
}

interface Kept {
  parse: { [key: string]: Json };
  plan: CopyPlan;
}

export interface ParsedPayloads<Entry extends { json: string }> {
  /** A fresh copy of the entry's parsed JSON. */
  read(entry: Entry): Record<string, unknown>;
  /** The entry is gone from the store: its parse goes too. */
  forget(entry: Entry): void;
  /** How many parses are kept now. */
  readonly size: number;
}

export function createParsedPayloads<Entry extends { json: string }>(
  bounds: { kept?: number; largestKept?: number; keptCharacters?: number } = {},
): ParsedPayloads<Entry> {
  const { kept: keptAtMost = KEPT_PARSED_PAYLOADS, largestKept = LARGEST_KEPT_JSON, keptCharacters = KEPT_JSON_CHARACTERS } = bounds;
  const parsed = new Map<Entry, Kept>();
  let characters = 0;
  const drop = (entry: Entry) => {
    if (parsed.delete(entry)) characters -= entry.json.length;
  };
  return {
    read(entry) {
      if (entry.json.length > largestKept) return JSON.parse(entry.json) as Record<string, unknown>;
      const kept = parsed.get(entry);
      if (kept) {
        try {
          return copyAlong(kept.parse, kept.plan);
        } catch (error) {
          // Read again from further down a stack than its first copy: not kept any more.
          if (!(error instanceof RangeError)) throw error;
          drop(entry);
          return JSON.parse(entry.json) as Record<string, unknown>;
        }
      }
      const parse = JSON.parse(entry.json) as Json;
      // Records are objects; anything else is answered as parsed, and never kept.
      if (parse === null || typeof parse !== 'object' || Array.isArray(parse)) return parse as never;
      let plan: CopyPlan;
      let copy: Record<string, unknown>;
      try {
        plan = planOf(parse);
        copy = copyAlong(parse, plan);
      } catch (error) {
        // Nested deeper than the stack left here allows (the plan and the copy recurse; JSON.parse
        // doesn't): kept nowhere, and nothing kept was dropped for it, so this read may have the
        // parse itself.
        if (!(error instanceof RangeError)) throw error;
        return parse;
      }
      characters += entry.json.length;
      while (parsed.size > 0 && (parsed.size >= keptAtMost || characters > keptCharacters)) drop(parsed.keys().next().value!);
      parsed.set(entry, { parse, plan });
      return copy;
    },
    forget(entry) {
      drop(entry);
    },
    get size() {
      return parsed.size;
    },
  };
}
