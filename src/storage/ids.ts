/**
 * What a store accepts as an id, uid, user code, grant id or account id: a non-empty string.
 * Checked before a value goes anywhere near a query, so an object (`{ "$ne": null }`) can never
 * become a MongoDB operator, whatever a future caller passes; every store answers the same way
 * (nothing found, nothing changed) so the rule is in the storage contract, not in one backend.
 */
import { AppError } from '../errors.js';

export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** For writes: storing under a non-string id is a caller's bug, refused loudly. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (!isId(value)) throw new AppError('invalid_input', `${what} needs a non-empty string id`);
}
