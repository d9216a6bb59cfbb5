/**
 * The memory stores' pages (storage/memory/id-pages.ts): the same pages as sorting every id and
 * walking them, whatever the cursor, the page size and the records a pick leaves out.
 */
import { randomBytes } from 'node:crypto';
import { pageByIds, smallestAfter } from '../../src/storage/memory/id-pages.js';

/** What the stores answered before: every id sorted, walked from the cursor. */
function sortedWalk(ids: string[], query: { limit: number; after?: string }, pick: (id: string) => string | undefined): string[] {
  const found: string[] = [];
  for (const id of ids.filter((candidate) => query.after === undefined || candidate > query.after).sort()) {
    if (found.length >= query.limit) break;
    const item = pick(id);
    if (item !== undefined) found.push(item);
  }
  return found;
}

const randomIds = (count: number) => Array.from({ length: count }, () => randomBytes(6).toString('base64url'));

describe('a memory store page', () => {
  it('keeps the smallest ids after the cursor, ascending', () => {
    expect(smallestAfter(['d', 'a', 'c', 'e', 'b'], undefined, 3)).toEqual(['a', 'b', 'c']);
    expect(smallestAfter(['d', 'a', 'c', 'e', 'b'], 'b', 2)).toEqual(['c', 'd']);
    expect(smallestAfter(['d', 'a'], 'a', 5)).toEqual(['d']);
    expect(smallestAfter(['a', 'b'], undefined, 0)).toEqual([]);
  });

  it('is the page a full sort gives, for every cursor, page size and share of records left out', () => {
    for (const size of [0, 1, 7, 300]) {
      const ids = randomIds(size);
      const cursors = [undefined, ...ids.slice(0, 5), '', '~'];
      for (const limit of [1, 3, 50, 1000]) {
        for (const keepOneIn of [1, 2, 10, 1000]) {
          const pick = (id: string) => (id.charCodeAt(0) % keepOneIn === 0 || keepOneIn === 1 ? `record ${id}` : undefined);
          for (const after of cursors) {
            const query = after === undefined ? { limit } : { limit, after };
            expect(pageByIds(ids, query, pick)).toEqual(sortedWalk(ids, query, pick));
          }
        }
      }
    }
  });

  it('walks every record exactly once, page by page', () => {
    const ids = randomIds(1234);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = pageByIds(ids, after === undefined ? { limit: 100 } : { limit: 100, after }, (id) => id);
      seen.push(...page);
      if (page.length < 100) break;
      after = page[page.length - 1];
    }
    expect(seen).toEqual([...ids].sort());
  });
});
