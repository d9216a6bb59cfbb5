/**
 * One page of a memory store's records by id, as the stores' `page` methods promise (types.ts):
 * ids after `after`, ascending as strings compare, at most `limit` of those `pick` keeps. Only
 * ids are compared; `pick` reads (and copies) just the records of the page.
 *
 * The usual page (every record picked: none expired, no filter) is the `limit` smallest ids
 * after the cursor, found in one pass that keeps only those (n log limit compares, where sorting
 * every id took ~80 ms a page at 100,000 records; the back-channel sender reads a page twice a
 * second). When picks come back short (expired records, an email filter that matches few), the
 * rest is sorted once, as before, rather than passed over again and again.
 */
export function pageByIds<T>(ids: Iterable<string>, query: { limit: number; after?: string }, pick: (id: string) => T | undefined): T[] {
  const { limit, after } = query;
  const all = [...ids];
  const found: T[] = [];
  const first = smallestAfter(all, after, limit);
  for (const id of first) {
    const item = pick(id);
    if (item !== undefined) found.push(item);
  }
  if (found.length >= limit || first.length < limit) return found;
  const from = first[first.length - 1]!;
  for (const id of all.filter((candidate) => candidate > from).sort()) {
    if (found.length >= limit) break;
    const item = pick(id);
    if (item !== undefined) found.push(item);
  }
  return found;
}

/** The `count` smallest of `ids` after `after`, ascending. */
export function smallestAfter(ids: readonly string[], after: string | undefined, count: number): string[] {
  const kept: string[] = [];
  if (count <= 0) return kept;
  for (const id of ids) {
    if (after !== undefined && id <= after) continue;
    if (kept.length === count) {
      if (id >= kept[count - 1]!) continue;
      kept.pop();
    }
    // Where it goes in `kept`, by binary search.
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (kept[middle]! < id) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, id);
  }
  return kept;
}
