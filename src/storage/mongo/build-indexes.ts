/**
 * Builds every index of the plan (index-plan.ts) at start-up and waits for all of them, so no
 * request ever does index work and a failure is seen before the IdP serves anyone. An index that
 * exists in another form stops start-up with the fix (index-conflict.ts); anything else (the
 * database away, no privilege to build) is left to the caller.
 *
 * `createIndex` on an index that exists in the same form is a no-op on the server, so every start
 * sends the whole plan. Building an index that is missing on a large collection can take longer
 * than MONGODB_SOCKET_TIMEOUT_MS: start-up then fails while the build goes on in the server
 * (see the README's Storage section).
 */
import type { mongo } from 'mongoose';
import { conflictingIndex, indexConflictError, isIndexConflict, type ExistingIndex } from './index-conflict.js';
import { defaultIndexName, type CollectionIndexes } from './index-plan.js';

/** Collections worked on at once: well within the connection pool, and quick on a plan of ~20. */
const PARALLEL_COLLECTIONS = 4;

async function existingIndexes(db: mongo.Db, collection: string): Promise<ExistingIndex[]> {
  try {
    return (await db.collection(collection).listIndexes().toArray()) as ExistingIndex[];
  } catch {
    return []; // the message then says how to look
  }
}

async function buildCollection(db: mongo.Db, { collection, indexes }: CollectionIndexes): Promise<void> {
  for (const index of indexes) {
    try {
      await db.collection(collection).createIndex(index.key, { ...index.options, name: defaultIndexName(index.key) });
    } catch (error) {
      if (!isIndexConflict(error)) throw error;
      throw indexConflictError(collection, index, conflictingIndex(index, await existingIndexes(db, collection)), error);
    }
  }
}

export async function buildIndexes(db: mongo.Db, plan: readonly CollectionIndexes[]): Promise<void> {
  const queue = [...plan];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await buildCollection(db, next);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_COLLECTIONS, plan.length) }, worker));
}
