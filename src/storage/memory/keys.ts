import type { KeyRepository, StoredKey } from '../types.js';

export function createMemoryKeys(): KeyRepository {
  const keys = new Map<string, StoredKey>();
  return {
    async list(purpose) {
      return [...keys.values()]
        .filter((key) => key.purpose === purpose)
        .map((key) => structuredClone(key))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    async add(key) {
      if (!keys.has(key.id)) keys.set(key.id, structuredClone(key));
    },
    async retire(id, retiredAt, removeAfter) {
      const key = keys.get(id);
      if (key) Object.assign(key, { retiredAt, removeAfter });
    },
    async remove(id) {
      keys.delete(id);
    },
  };
}
