/**
 * How one oidc-provider record is kept in MongoDB: the payload as JSON text, beside copies of the
 * few fields the store looks records up by.
 *
 * Why text and not a sub-document: payloads hold values the client chose (the `claims`
 * authorization parameter is stored verbatim in codes, tokens and pushed requests), and BSON field
 * names can't carry all of them. A key with NUL can't be encoded at all, an object with
 * `_bsontype` is taken for a BSON value (refused or converted), `{ $ref, $id }` comes back as a
 * DBRef, and older servers refuse `$` or `.` in names (hence the former MongoDB 5.0 minimum).
 * JSON text round-trips whatever JSON oidc-provider hands the adapter, `__proto__` included
 * (JSON.parse and spreading define own properties). test/unit/mongo-record-document.test.ts shows
 * both, through the driver's own BSON serializer.
 *
 * Documents written before this change hold `payload` as a sub-document; they are still read
 * (`payloadOf`), and are replaced by the text form at their next write or expire.
 */
import { isPlainObject, jsonObject } from '../../json-object.js';
import { isId } from '../ids.js';
import type { AdapterPayload } from '../types.js';

export interface RecordDoc {
  _id: string;
  /** JSON text; a sub-document in records written by earlier versions. */
  payload: string | AdapterPayload;
  uid?: string;
  userCode?: string;
  grantId?: string;
  accountId?: string;
  clientId?: string;
  /** epoch seconds; set once by consume, and authoritative over the payload's own copy */
  consumed?: number;
  expiresAt?: Date;
}

const INDEXED = ['uid', 'userCode', 'grantId', 'accountId', 'clientId'] as const;

export function toRecordDocument(id: string, payload: AdapterPayload, expiresInSeconds: number | undefined, now: number): RecordDoc {
  const doc: RecordDoc = { _id: id, payload: JSON.stringify(payload) };
  // Only strings are copied into the indexed fields: anything else is never looked up by.
  for (const field of INDEXED) if (isId(payload[field])) doc[field] = payload[field];
  if (typeof payload.consumed === 'number') doc.consumed = payload.consumed;
  if (typeof expiresInSeconds === 'number') doc.expiresAt = new Date(now + expiresInSeconds * 1000);
  return doc;
}

/** The payload's JSON text (a legacy sub-document serialised), without the consumed mark. */
export function jsonOf(doc: Pick<RecordDoc, 'payload'>): string {
  return typeof doc.payload === 'string' ? doc.payload : JSON.stringify(doc.payload);
}

/**
 * The payload with the consumed mark, or undefined when the document's payload is not a JSON
 * object (text damaged or written by something else): such a record counts as absent, so one bad
 * document can't fail every read that meets it (a person's every request with that session, or
 * ending all of their access, which reads all their records).
 */
export function payloadOf(doc: Pick<RecordDoc, 'payload' | 'consumed'>): AdapterPayload | undefined {
  const payload = typeof doc.payload === 'string' ? jsonObject(doc.payload) : isPlainObject(doc.payload) ? doc.payload : undefined;
  if (payload === undefined) return undefined;
  return typeof doc.consumed === 'number' ? { ...payload, consumed: doc.consumed } : payload;
}
