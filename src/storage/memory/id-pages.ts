/**
 * One page of a memory store's records by id, as the stores' `page` methods promise (types.ts):
 * ids after `after`, ascending as strings compare, at most `limit` of those `pick` keeps. Only the
 * ids are sorted; `pick` reads (and copies) just the records of the page.
 */
export function pageByIds<T>(ids: Iterable<string>, query: { limit: number; after?: string }, pick: (id: string) => T | undefined): T[] {
  const { limit, after } = query;
  const found: T[] = [];
  for (const id of [...ids].filter((candidate) => after === undefined || candidate > after).sort()) {
    if (found.length >= limit) break;
    const item = pick(id);
    if (item !== undefined) found.push(item);
  }
  return found;
}
