import type { KeyRepository, StoredSigningKey } from '../types.js';

export function createMemoryKeys(): KeyRepository {
  const keys = new Map<string, StoredSigningKey>();
  return {
    async list() {
      return [...keys.values()].map((k) => structuredClone(k)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    async add(key) {
      keys.set(key.kid, structuredClone(key));
    },
    async retire(kid, retiredAt, removeAfter) {
      const key = keys.get(kid);
      if (key) Object.assign(key, { retiredAt, removeAfter });
    },
    async remove(kid) {
      keys.delete(kid);
    },
  };
}
