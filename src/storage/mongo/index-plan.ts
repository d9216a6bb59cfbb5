/**
 * Every index of every collection the MongoDB store uses, known before the first request: one
 * `oidc_<Model>` collection per stored model (src/storage/models.ts), accounts, keys, the audit
 * trail and the rate-limit counters. build-indexes.ts builds exactly this list at start-up.
 */
import type { Schema } from 'mongoose';
import { STORED_MODELS } from '../models.js';
import { recordCollection } from './oidc-records.js';
import { RATE_LIMIT_INDEXES } from './rate-limits.js';
import { accountSchema, auditSchema, COLLECTIONS, keySchema, oidcRecordSchema } from './schemas.js';

export interface IndexSpec {
  key: Record<string, 1 | -1>;
  options: { expireAfterSeconds?: number; sparse?: boolean; unique?: boolean };
}

export interface CollectionIndexes {
  collection: string;
  indexes: readonly IndexSpec[];
}

/** The name MongoDB gives an index when none is set: `field_1_other_-1` (the driver's operations/indexes.ts). */
export function defaultIndexName(key: IndexSpec['key']): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${direction}`)
    .join('_');
}

/** A schema's declared indexes (`schema.index(...)`), in our own shape. */
export function schemaIndexes(schema: Schema): IndexSpec[] {
  return schema.indexes().map(([key, options]) => {
    const { expireAfterSeconds, sparse, unique } = options as IndexSpec['options'];
    return {
      key: key as IndexSpec['key'],
      options: {
        ...(expireAfterSeconds === undefined ? {} : { expireAfterSeconds }),
        ...(sparse === undefined ? {} : { sparse }),
        ...(unique === undefined ? {} : { unique }),
      },
    };
  });
}

export function storageIndexPlan(models: readonly string[] = STORED_MODELS): CollectionIndexes[] {
  const recordIndexes = schemaIndexes(oidcRecordSchema);
  return [
    ...models.map((model) => ({ collection: recordCollection(model), indexes: recordIndexes })),
    { collection: COLLECTIONS.accounts, indexes: schemaIndexes(accountSchema) },
    { collection: COLLECTIONS.keys, indexes: schemaIndexes(keySchema) },
    { collection: COLLECTIONS.audit, indexes: schemaIndexes(auditSchema) },
    { collection: COLLECTIONS.rateLimits, indexes: RATE_LIMIT_INDEXES },
  ];
}
