/**
 * Cursor paging for every list of the Management API: items in a stable order (by a unique key),
 * `limit` (1-100, default 50) per page and an opaque `next_cursor` naming where the next page
 * starts, null on the last page. A cursor survives inserts and deletes between pages (it names a
 * key, not an offset).
 */
import type { JsonSchema } from './route.js';
import { ApiProblem } from './problem.js';

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;

export const PAGING_QUERY = {
  limit: { description: `Items per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`, schema: { type: 'string', pattern: '^[0-9]{1,3}$' } },
  cursor: { description: 'next_cursor of the previous page', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,512}$' } },
} as const;

export const pageSchema = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['items', 'next_cursor'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
});

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The page size a query asks for (PAGING_QUERY's limit), checked. */
export function pageLimit(query: { limit?: string }): number {
  const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new ApiProblem(400, 'invalid_input', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}

/** The key a query's cursor names (the last key of the page before), checked; undefined on the first page. */
export function cursorKey(query: { cursor?: string }): string | undefined {
  if (query.cursor === undefined) return undefined;
  const after = Buffer.from(query.cursor, 'base64url').toString('utf8');
  if (Buffer.from(after, 'utf8').toString('base64url') !== query.cursor) throw new ApiProblem(400, 'invalid_input', 'cursor is not a cursor this API gave out');
  return after;
}

/**
 * A page out of the items after the cursor, in key order, of which the store was asked for one
 * more than the limit: that one only says whether another page follows.
 */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, limit: number): Page<T> {
  const page = items.slice(0, limit);
  return { items: page, next_cursor: items.length > limit ? Buffer.from(keyOf(page[page.length - 1]!), 'utf8').toString('base64url') : null };
}

/** Pages a whole list held in memory: the APIs an admin registers, the logout deliveries kept for a day (not yet paged in the store). */
export function paginate<T>(all: readonly T[], keyOf: (item: T) => string, query: { limit?: string; cursor?: string }): Page<T> {
  const limit = pageLimit(query);
  const after = cursorKey(query);
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after);
  return pageOf(rest.slice(0, limit + 1), keyOf, limit);
}
