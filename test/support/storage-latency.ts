/**
 * The memory store with a database's round trip (1 ms per call on every model store), so two
 * requests truly overlap as they would on MongoDB: races that the in-memory store's immediate
 * answers would hide.
 */
import type { OidcModelStore, Storage } from '../../src/storage/types.js';

export function withLatency(storage: Storage): Storage {
  const later = <T>(value: Promise<T>) => value.then((v) => new Promise<T>((resolve) => setTimeout(() => resolve(v), 1)));
  return Object.assign(Object.create(storage) as Storage, {
    modelStore(model: string): OidcModelStore {
      const store = storage.modelStore(model);
      return Object.fromEntries(Object.entries(store).map(([name, f]) => [name, (...args: unknown[]) => later((f as (...a: unknown[]) => Promise<unknown>)(...args))])) as unknown as OidcModelStore;
    },
  });
}
