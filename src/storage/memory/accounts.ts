import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import { isId } from '../ids.js';
import { normalizeEmail, sameAccess, type AccountRecord, type AccountRepository } from '../types.js';
import { pageByIds } from './id-pages.js';

/**
 * A copy callers may change without changing the store. By hand rather than structuredClone: an
 * account is read on every token, userinfo and introspection request, and structuredClone's
 * serialization cost several microseconds of each (issue 10, measured with --cpu-prof).
 */
function copyOf(record: AccountRecord): AccountRecord {
  const copy: AccountRecord = { ...record, createdAt: new Date(record.createdAt), updatedAt: new Date(record.updatedAt) };
  if (record.accessEndedAt) copy.accessEndedAt = new Date(record.accessEndedAt);
  if (record.otherSessionsEndedAt) copy.otherSessionsEndedAt = new Date(record.otherSessionsEndedAt);
  return copy;
}

export function createMemoryAccounts(): AccountRepository {
  const byId = new Map<string, AccountRecord>();
  const idByEmail = new Map<string, string>();
  const copy = (record: AccountRecord | undefined) => (record ? copyOf(record) : undefined);

  return {
    async create(input) {
      const email = normalizeEmail(input.email);
      if (idByEmail.has(email)) throw new AppError('email_taken', 'An account with this email already exists');
      const at = new Date();
      const record: AccountRecord = { ...input, email, id: randomUUID(), disabled: false, createdAt: at, updatedAt: at };
      byId.set(record.id, record);
      idByEmail.set(email, record.id);
      return copyOf(record);
    },
    async findById(id) {
      return isId(id) ? copy(byId.get(id)) : undefined;
    },
    async findByEmail(email) {
      if (!isId(email)) return undefined;
      const id = idByEmail.get(normalizeEmail(email));
      return copy(id === undefined ? undefined : byId.get(id));
    },
    async list() {
      return [...byId.values()].map(copyOf).sort((a, b) => a.email.localeCompare(b.email));
    },
    async page(query) {
      const needle = query.emailContains?.toLowerCase();
      return pageByIds(byId.keys(), query, (id) => {
        const record = byId.get(id)!;
        return needle === undefined || record.email.includes(needle) ? copyOf(record) : undefined;
      });
    },
    async update(id, changes, options = {}) {
      const record = isId(id) ? byId.get(id) : undefined;
      if (!record) return undefined;
      // Compared and written in one synchronous step.
      if (options.ifUnchanged && !sameAccess(record, options.ifUnchanged)) return undefined;
      // The caller's Date stays the caller's: the stored record gets its own.
      Object.assign(record, changes, { updatedAt: new Date() });
      if (changes.accessEndedAt) record.accessEndedAt = new Date(changes.accessEndedAt);
      if (changes.otherSessionsEndedAt) record.otherSessionsEndedAt = new Date(changes.otherSessionsEndedAt);
      return copyOf(record);
    },
    async remove(id) {
      const record = isId(id) ? byId.get(id) : undefined;
      if (!record) return false;
      byId.delete(record.id);
      idByEmail.delete(normalizeEmail(record.email));
      return true;
    },
  };
}
