/**
 * A store whose calls to one method can be held until several arrive, then released together:
 * a slow database round trip on demand, so races in tests are deterministic, not timed.
 */
import type { OidcModelStore, Storage } from '../../src/storage/types.js';

/** Holds calls to one store method until released: a slow database write, on demand. */
export function gatedStorage(base: Storage) {
  const gates = new Map<string, { waiting: (() => void)[]; arrived: () => void }>();
  const storage = Object.assign(Object.create(base) as Storage, {
    modelStore(model: string): OidcModelStore {
      const store = base.modelStore(model);
      return new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            const gate = gates.get(`${model}.${String(property)}`);
            if (gate) {
              await new Promise<void>((resolve) => {
                gate.waiting.push(resolve);
                gate.arrived();
              });
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  });
  return {
    storage,
    /** Holds `model.method` until `count` calls wait there; resolves then, with a release. */
    hold(model: string, method: string, count = 1): Promise<() => void> {
      return new Promise((ready) => {
        const key = `${model}.${method}`;
        const gate = {
          waiting: [] as (() => void)[],
          arrived: () => {
            if (gate.waiting.length === count) {
              ready(() => {
                gates.delete(key);
                gate.waiting.forEach((resolve) => resolve());
              });
            }
          },
        };
        gates.set(key, gate);
      });
    },
  };
}
