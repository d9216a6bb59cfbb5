/**
 * Which records of each model belong to one grant, or to one account: the memory store's answer to
 * the MongoDB store's indexes on `grantId` and `accountId`. Without one, finding an account's
 * records meant a pass over every record of the model: each sign-in asks whether its account has a
 * passkey, and with 100,000 passkeys of other accounts stored that pass took ~20 ms of the event
 * loop (issue 10). Ids come back in the order their records were last written, as the model's
 * own Map keeps them, because a rewrite takes the id out and puts it back.
 *
 * Most owners hold one record of a model (a person's one session, a grant's one access token), so
 * that one is kept as the id itself and a Set is made only for a second: a Set for each would add
 * ~100 bytes to every signed-in person's session and grant, whose bound is 2 KB (issue 10).
 */
export interface MemberIndex {
  add(owner: string, model: string, id: string): void;
  delete(owner: string, model: string, id: string): void;
  /** The ids of `model` held by `owner`, a copy: safe to iterate while records are removed. */
  ids(owner: string, model: string): string[];
}

export function createMemberIndex(): MemberIndex {
  /** model -> owner -> its one id, or its ids; an owner holding none has no entry. */
  const models = new Map<string, Map<string, string | Set<string>>>();
  return {
    add(owner, model, id) {
      let owners = models.get(model);
      if (!owners) {
        owners = new Map();
        models.set(model, owners);
      }
      const held = owners.get(owner);
      if (held === undefined || held === id) owners.set(owner, id);
      else if (typeof held === 'string') owners.set(owner, new Set([held, id]));
      else held.add(id);
    },
    delete(owner, model, id) {
      const owners = models.get(model);
      const held = owners?.get(owner);
      if (!owners || held === undefined) return;
      if (held === id) owners.delete(owner);
      else if (typeof held !== 'string' && held.delete(id) && held.size === 1) owners.set(owner, held.values().next().value!);
    },
    ids(owner, model) {
      const held = models.get(model)?.get(owner);
      return held === undefined ? [] : typeof held === 'string' ? [held] : [...held];
    },
  };
}
