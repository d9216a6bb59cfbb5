/**
 * The memory store with a gate: the next call of chosen methods on one model waits until the test
 * lets it go, so a race between two requests can be staged in a chosen order instead of hoped for
 * (test/support/storage-latency.ts makes them likely; this makes them certain).
 */
import type { OidcModelStore, Storage } from '../../src/storage/types.js';

export interface Gate {
  /** Resolves once a call has reached the gate (and waits there). */
  reached: Promise<void>;
  release(): void;
}

export interface GatedStorage {
  storage: Storage;
  /** The next call of one of `methods` on `model` (after `skip` such calls), and only that one, waits at the gate. */
  holdNext(model: string, methods: (keyof OidcModelStore)[], skip?: number): Gate;
}

export function withGates(storage: Storage): GatedStorage {
  let pending: { model: string; methods: string[]; skip: number; arrive: () => void; opened: Promise<void> } | undefined;
  return {
    storage: Object.assign(Object.create(storage) as Storage, {
      modelStore(model: string): OidcModelStore {
        const store = storage.modelStore(model);
        const gated = (name: string, call: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]) => {
          const gate = pending;
          if (gate && gate.model === model && gate.methods.includes(name) && gate.skip-- === 0) {
            pending = undefined;
            gate.arrive();
            await gate.opened;
          }
          return call(...args);
        };
        return Object.fromEntries(Object.entries(store).map(([name, call]) => [name, gated(name, call as (...args: unknown[]) => Promise<unknown>)])) as unknown as OidcModelStore;
      },
    }),
    holdNext(model, methods, skip = 0) {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const opened = new Promise<void>((resolve) => (release = resolve));
      pending = { model, methods, skip, arrive, opened };
      return { reached, release };
    },
  };
}
