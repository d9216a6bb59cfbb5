import { randomUUID } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { AppError } from '../../errors.js';
import { isId } from '../ids.js';
import { normalizeEmail, type AccountAccess, type AccountRecord, type AccountRepository } from '../types.js';
import { ourCondition } from './conditions.js';
import { modelOn } from './model.js';
import { DUPLICATE_KEY, guard } from './outage.js';
import { accountSchema, COLLECTIONS } from './schemas.js';
import { majority } from './write-concern.js';

interface AccountDoc extends Omit<AccountRecord, 'id'> {
  _id: string;
  emailNormalized: string;
}

/** The server's code when a query ran past its maxTimeMS. */
const MAX_TIME_EXPIRED = 50;
/**
 * How long one page of an email search may run on the server. The text can be anywhere in the
 * email, so no index narrows it: a rare text examines every account after the cursor, and on a
 * large directory that is a collection scan per page. Past this, the search fails (503, try a
 * longer text) instead of holding the database. Four fifths of the socket timeout at most: the
 * server's own "time is up" must arrive before the driver gives up on the socket (which it would
 * report as the database unreachable, after sending the search a second time).
 */
export const EMAIL_SEARCH_MAX_MS = 5_000;
export const emailSearchMaxMs = (socketTimeoutMs: number | undefined) =>
  socketTimeoutMs ? Math.max(1, Math.min(EMAIL_SEARCH_MAX_MS, Math.floor(socketTimeoutMs * 0.8))) : EMAIL_SEARCH_MAX_MS;

/** The text as a regular expression that matches exactly it. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches the account only while what `sameAccess` compares is as read (null: a field absent). */
function accessFilter(read: AccountAccess): Record<string, unknown> {
  return {
    passwordHash: read.passwordHash,
    accessEndedAt: read.accessEndedAt ?? null,
    otherSessionsEndedAt: read.otherSessionsEndedAt ?? null,
    keptSessionUid: read.keptSessionUid ?? null,
    // An account stored without the field reads as not disabled.
    disabled: read.disabled ? true : ourCondition({ $ne: true }),
  };
}

function toRecord(doc: AccountDoc | null): AccountRecord | undefined {
  if (!doc) return undefined;
  const { _id, emailNormalized: _normalized, ...rest } = doc;
  return { ...rest, id: _id };
}

export const accountModel = (connection: Connection): Model<AccountDoc> => modelOn(connection, 'Account', accountSchema, COLLECTIONS.accounts);

export function createMongoAccounts(connection: Connection): AccountRepository {
  const searchMaxMs = emailSearchMaxMs(connection.getClient().options.socketTimeoutMS);
  const Accounts = accountModel(connection);
  return {
    create: (input) =>
      guard(async () => {
        const at = new Date();
        const email = normalizeEmail(input.email);
        const doc: AccountDoc = { ...input, email, emailNormalized: email, _id: randomUUID(), disabled: false, createdAt: at, updatedAt: at };
        try {
          await Accounts.create(doc);
        } catch (error) {
          // The unique index decides, so two instances can't create the same email at once.
          if ((error as { code?: number }).code === DUPLICATE_KEY) throw new AppError('email_taken', 'An account with this email already exists');
          throw error;
        }
        return toRecord(doc)!;
      }),
    // Ids and emails are checked to be strings before they reach a filter (src/storage/ids.ts).
    findById: (id) => (isId(id) ? guard(async () => toRecord(await Accounts.findOne({ _id: id }).lean<AccountDoc>())) : Promise.resolve(undefined)),
    findByEmail: (email) =>
      isId(email) ? guard(async () => toRecord(await Accounts.findOne({ emailNormalized: normalizeEmail(email) }).lean<AccountDoc>())) : Promise.resolve(undefined),
    list: () => guard(async () => (await Accounts.find({}).sort({ emailNormalized: 1 }).lean<AccountDoc[]>()).map((doc) => toRecord(doc)!)),
    // Walks the _id index from the cursor on; the email filter is a regular expression of the
    // text taken literally (every metacharacter escaped), so a query can't make it match more.
    page: ({ limit, after, emailContains }) =>
      guard(async () => {
        const filter: Record<string, unknown> = {};
        // Our operators, marked so that sanitizeFilter (connection.ts) leaves them operators.
        if (after !== undefined) filter._id = ourCondition({ $gt: String(after) });
        if (emailContains !== undefined) filter.emailNormalized = ourCondition({ $regex: escapeRegExp(String(emailContains).toLowerCase()) });
        const query = Accounts.find(filter).sort({ _id: 1 }).limit(limit);
        if (emailContains !== undefined) query.maxTimeMS(searchMaxMs);
        try {
          return (await query.lean<AccountDoc[]>()).map((doc) => toRecord(doc)!);
        } catch (error) {
          if ((error as { code?: unknown }).code !== MAX_TIME_EXPIRED) throw error;
          throw new AppError('overloaded', 'The email search took too long. Search for a longer part of the email.', { expose: true, retryAfterSeconds: 5, cause: error });
        }
      }),
    // Written with majority (the schema's write concern): a disable, a new password or an
    // accessEndedAt rolled back by a failover would undo a security decision.
    update: (id, changes, options = {}) =>
      isId(id)
        ? guard(async () => {
            const filter = { _id: id, ...(options.ifUnchanged ? accessFilter(options.ifUnchanged) : {}) };
            return toRecord(await Accounts.findOneAndUpdate(filter, { $set: { ...changes, updatedAt: new Date() } }, { returnDocument: 'after' }).lean<AccountDoc>());
          })
        : Promise.resolve(undefined),
    // Majority (write-concern.ts): a deleted account that a failover brings back could sign in again.
    remove: (id) => (isId(id) ? guard(async () => (await Accounts.deleteOne({ _id: id }, majority())).deletedCount === 1) : Promise.resolve(false)),
  };
}
