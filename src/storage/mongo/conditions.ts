/**
 * Our connections run with mongoose's `sanitizeFilter` (connection.ts): any object with `$` keys
 * in a filter is wrapped in `$eq`, so it matches literally instead of acting as an operator. The
 * operators our own code writes (`$gt` on an expiry, `$in` over ids we read) are marked here as
 * trusted (mongoose lib/helpers/query/trusted.js); nothing a caller passes is ever marked.
 */
import mongoose from 'mongoose';

export function ourCondition<T extends object>(condition: T): T {
  return mongoose.trusted(condition);
}
