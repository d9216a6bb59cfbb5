import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import { isId } from '../ids.js';
import { normalizeEmail, type AccountRecord, type AccountRepository } from '../types.js';

export function createMemoryAccounts(): AccountRepository {
  const byId = new Map<string, AccountRecord>();
  const idByEmail = new Map<string, string>();
  const copy = (record: AccountRecord | undefined) => (record ? structuredClone(record) : undefined);

  return {
    async create(input) {
      const email = normalizeEmail(input.email);
      if (idByEmail.has(email)) throw new AppError('email_taken', 'An account with this email already exists');
      const at = new Date();
      const record: AccountRecord = { ...input, email, id: randomUUID(), disabled: false, createdAt: at, updatedAt: at };
      byId.set(record.id, record);
      idByEmail.set(email, record.id);
      return structuredClone(record);
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
      return [...byId.values()].map((r) => structuredClone(r)).sort((a, b) => a.email.localeCompare(b.email));
    },
    async update(id, changes) {
      const record = isId(id) ? byId.get(id) : undefined;
      if (!record) return undefined;
      Object.assign(record, changes, { updatedAt: new Date() });
      return structuredClone(record);
    },
  };
}
