/**
 * An index the database already has in another form stops start-up, with a message naming the
 * collection, the index, both forms and the fix: MongoDB refuses to build ours (IndexOptionsConflict,
 * code 85: same keys or name, other options; IndexKeySpecsConflict, code 86: same name, other keys),
 * and without it the store would run without its TTL clean-up or its lookups' index. This is an
 * operator's task, not an outage, so it is not `storage_unavailable`.
 *
 * The fix: a TTL index whose only difference is its expiry is changed in place with `collMod`
 * (https://www.mongodb.com/docs/manual/reference/command/collMod/#change-index-properties);
 * anything else is dropped, and the next start builds ours.
 */
import { AppError } from '../../errors.js';
import { defaultIndexName, type IndexSpec } from './index-plan.js';
import { DUPLICATE_KEY } from './outage.js';

/** MongoDB's error codes for an index that exists in another form (src/mongo/base/error_codes.yml). */
export const INDEX_CONFLICT_CODES: ReadonlySet<number> = new Set([85, 86]);

/** An index as listIndexes describes it. */
export interface ExistingIndex {
  name: string;
  key: Record<string, unknown>;
  [option: string]: unknown;
}

const NOT_OPTIONS = new Set(['v', 'key', 'name', 'ns', 'background']);

/** The options that make an index differ (false flags are the same as absent ones). */
function optionsOf(index: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(index).filter(([name, value]) => !NOT_OPTIONS.has(name) && value !== false && value !== undefined));
}

const show = (value: unknown) => JSON.stringify(value);
const sameJson = (a: unknown, b: unknown) => show(a) === show(b);
const withoutTtl = ({ expireAfterSeconds: _ttl, ...rest }: Record<string, unknown>) => rest;

function describe(name: string, key: unknown, options: Record<string, unknown>): string {
  const extra = Object.keys(options).length > 0 ? ` with ${show(options)}` : '';
  return `"${name}" on ${show(key)}${extra}`;
}

/** The one existing index that stands in the way of `wanted`: the same name, else the same keys. */
export function conflictingIndex(wanted: IndexSpec, existing: readonly ExistingIndex[]): ExistingIndex | undefined {
  const name = defaultIndexName(wanted.key);
  return existing.find((index) => index.name === name) ?? existing.find((index) => sameJson(index.key, wanted.key));
}

export function indexConflictError(collection: string, wanted: IndexSpec, existing: ExistingIndex | undefined, cause: unknown): AppError {
  const name = defaultIndexName(wanted.key);
  const ours = describe(name, wanted.key, wanted.options);
  const server = cause instanceof Error ? ` (MongoDB: ${cause.message})` : '';
  if ((cause as { code?: unknown }).code === DUPLICATE_KEY) {
    return new AppError(
      'storage_index_conflict',
      `Cannot build the unique index ${ours} in MongoDB collection "${collection}": documents there hold the same value. Fix: remove the duplicates, then start the IdP again.${server}`,
      { expose: true, cause },
    );
  }
  let theirs = 'an index MongoDB reports as conflicting';
  let fix = `look at db.getCollection("${collection}").getIndexes(), drop the index that conflicts with ${ours}, then start the IdP again (it builds ours)`;
  if (existing) {
    const options = optionsOf(existing);
    theirs = describe(existing.name, existing.key, options);
    const onlyTtlDiffers =
      existing.name === name && sameJson(existing.key, wanted.key) && typeof options.expireAfterSeconds === 'number' && wanted.options.expireAfterSeconds !== undefined && sameJson(withoutTtl(options), withoutTtl(wanted.options));
    fix = onlyTtlDiffers
      ? `db.runCommand({ collMod: "${collection}", index: { name: "${name}", expireAfterSeconds: ${wanted.options.expireAfterSeconds} } }), then start the IdP again`
      : `db.getCollection("${collection}").dropIndex("${existing.name}"), then start the IdP again (it builds ours)`;
  }
  return new AppError(
    'storage_index_conflict',
    `Index conflict in MongoDB collection "${collection}": the IdP needs index ${ours}, but the database has ${theirs}. Fix: ${fix}.${server}`,
    { expose: true, cause },
  );
}

export function isIndexConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && (INDEX_CONFLICT_CODES.has(code) || code === DUPLICATE_KEY);
}
