/**
 * In-memory records for oidc-provider's models. One instance per createMemoryStorage call: no
 * module-level maps (oidc-provider's own memory adapter is a global LRU of 1,000 entries).
 * Payloads are kept as JSON text, as the MongoDB store keeps them: callers can't change stored
 * state behind the store's back, every key round-trips, and a record costs about its JSON length
 * (V8 keeps ASCII strings at one byte a character) instead of a tree of objects several times that.
 * Reads copy the parse of the records read most recently (parsed-payloads.ts) rather than parse
 * the text each time.
 */
import { AppError } from '../../errors.js';
import { assertKnownModel } from '../models.js';
import { assertId, isId } from '../ids.js';
import { assertWithinBounds, type AdapterPayload, type OidcModelStore, type RecordBounds } from '../types.js';
import { pageByIds } from './id-pages.js';
import { createMemberIndex } from './member-index.js';
import { createParsedPayloads } from './parsed-payloads.js';

interface Entry {
  json: string;
  /** The indexed fields, as strings (only strings are indexed, as in the MongoDB store). */
  grantId?: string;
  accountId?: string;
  clientId?: string;
  uid?: string;
  userCode?: string;
  /** epoch seconds, set by consume */
  consumed?: number;
  /** Someone signed in on this interaction (or it belongs to a session): evicted last. */
  signedIn: boolean;
  /** epoch milliseconds; absent = no expiry */
  expiresAt?: number;
}

function entryOf(payload: AdapterPayload): Entry {
  const text = (value: unknown) => (isId(value) ? value : undefined);
  return {
    json: JSON.stringify(payload),
    grantId: text(payload.grantId),
    accountId: text(payload.accountId),
    clientId: text(payload.clientId),
    uid: text(payload.uid),
    userCode: text(payload.userCode),
    consumed: typeof payload.consumed === 'number' ? payload.consumed : undefined,
    signedIn: Boolean(payload.result) || Boolean((payload.session as { accountId?: unknown } | undefined)?.accountId) || isId(payload.accountId),
  };
}

type Clock = () => number;

/**
 * Models a stranger can fill without signing in (each /auth stores an Interaction, each pushed
 * authorization request a PushedAuthorizationRequest, each login page a PasskeyChallenge), capped
 * per store. When full, the entry written longest ago goes first, preferring one nobody has signed
 * in on yet: a flood can at worst make someone start a sign-in again, never fill the process's memory. Everything else (clients,
 * sessions, grants, tokens) is only written for someone who signed in, for a client an admin
 * registered (opaque client_credentials tokens: only an admin registers that grant), or by an admin.
 */
export const MEMORY_RECORD_CAPS: Readonly<Record<string, number>> = Object.freeze({ Interaction: 10_000, PushedAuthorizationRequest: 10_000, PasskeyChallenge: 10_000 });
/**
 * Models whose records nobody signed in on are capped on their own, and only those: oidc-provider
 * stores a Session for every visit to /session/end without one (the sign-out form's check), which
 * a stranger can make from many addresses. When full, the one written longest ago goes; a
 * signed-in session is never evicted (that would sign someone out), and stops counting once its
 * person signs in on it.
 */
export const MEMORY_ANONYMOUS_CAPS: Readonly<Record<string, number>> = Object.freeze({ Session: 10_000 });
/**
 * And each capped model (for MEMORY_ANONYMOUS_CAPS: its records nobody signed in on) holds at most
 * this many characters of JSON, the oldest going first past it: a stranger chooses how large each
 * record is (up to the adapter's MAX_STRANGER_RECORD_CHARS), so a count alone bounds nothing. A
 * real interaction is 1-3 KB: the count is what binds in normal use.
 */
export const MEMORY_CAP_CHARS = 32 * 1024 * 1024;
/** How far from the oldest end eviction looks for an interaction nobody signed in on. */
const EVICTION_SCAN = 100;

export interface MemoryOidcRecords {
  modelStore(model: string): OidcModelStore;
  /** Drops every expired entry (reads never return them anyway); returns how many went. */
  sweep(): number;
}

export function createMemoryOidcRecords(
  now: Clock = Date.now,
  caps: Readonly<Record<string, number>> = MEMORY_RECORD_CAPS,
  anonymousCaps: Readonly<Record<string, number>> = MEMORY_ANONYMOUS_CAPS,
  charCap: number = MEMORY_CAP_CHARS,
): MemoryOidcRecords {
  const models = new Map<string, Map<string, Entry>>();
  /** Per model of anonymousCaps: the ids of its records nobody signed in on, oldest written first. */
  const anonymous = new Map<string, Set<string>>();
  const uidIndex = new Map<string, Map<string, string>>();
  const userCodeIndex = new Map<string, Map<string, string>>();
  /** One grant's tokens span several models. */
  const grantIndex = createMemberIndex();
  /** An account's sessions, grants, passkeys, ...: found without a pass over the model. */
  const accountIndex = createMemberIndex();
  const parsed = createParsedPayloads<Entry>();

  /** A fresh copy of the stored record, as written, with its consumption time once consumed. */
  function payloadOf(entry: Entry): AdapterPayload {
    const payload = parsed.read(entry);
    if (entry.consumed !== undefined) payload.consumed = entry.consumed;
    return payload;
  }

  const table = <V>(maps: Map<string, Map<string, V>>, model: string): Map<string, V> => {
    let map = maps.get(model);
    if (!map) {
      map = new Map();
      maps.set(model, map);
    }
    return map;
  };

  function unindex(model: string, id: string, entry: Entry): void {
    if (entry.uid && uidIndex.get(model)?.get(entry.uid) === id) uidIndex.get(model)?.delete(entry.uid);
    if (entry.userCode && userCodeIndex.get(model)?.get(entry.userCode) === id) userCodeIndex.get(model)?.delete(entry.userCode);
    if (entry.grantId) grantIndex.delete(entry.grantId, model, id);
    if (entry.accountId) accountIndex.delete(entry.accountId, model, id);
  }

  function remove(model: string, id: string): void {
    const entry = models.get(model)?.get(id);
    if (!entry) return;
    models.get(model)?.delete(id);
    anonymous.get(model)?.delete(id);
    if (counted(model, entry)) hold(model, -entry.json.length);
    unindex(model, id, entry);
    parsed.forget(entry);
  }

  /** The live entry, or undefined; expired entries are dropped on the way. */
  function live(model: string, id: string): Entry | undefined {
    const entry = models.get(model)?.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      remove(model, id);
      return undefined;
    }
    return entry;
  }

  /** JSON characters held per capped model (all its entries; for anonymousCaps, those nobody signed in on). */
  const heldChars = new Map<string, number>();
  const hold = (model: string, chars: number) => heldChars.set(model, (heldChars.get(model) ?? 0) + chars);
  const counted = (model: string, entry: Entry) => caps[model] !== undefined || (anonymousCaps[model] !== undefined && !entry.signedIn);

  /**
   * Makes room for one more entry of `chars` characters in a capped model: under its count and
   * under MEMORY_CAP_CHARS. Maps iterate in insertion order: oldest first.
   */
  function makeRoom(model: string, chars: number): void {
    const cap = caps[model];
    const entries = models.get(model);
    if (cap === undefined || !entries) return;
    while (entries.size > 0 && (entries.size >= cap || (heldChars.get(model) ?? 0) + chars > charCap)) evictOne(model, entries);
  }

  function evictOne(model: string, entries: Map<string, Entry>): void {
    let victim: string | undefined;
    let scanned = 0;
    for (const [id, entry] of entries) {
      victim ??= id;
      if (!entry.signedIn) {
        victim = id;
        break;
      }
      if ((scanned += 1) >= EVICTION_SCAN) break;
    }
    if (victim !== undefined) remove(model, victim);
  }

  /** Keeps the entries nobody signed in on of an anonymously capped model under its count and MEMORY_CAP_CHARS. */
  function trimAnonymous(model: string): void {
    const cap = anonymousCaps[model];
    const ids = anonymous.get(model);
    while (cap !== undefined && ids && ids.size > 0 && (ids.size > cap || (heldChars.get(model) ?? 0) > charCap)) remove(model, ids.values().next().value!);
  }

  function modelStore(model: string): OidcModelStore {
    assertKnownModel(model);
    /** The live records of these ids (a copy of the ids: reading drops expired records). */
    const liveRecords = (ids: string[]) =>
      ids.flatMap((id) => {
        const entry = live(model, id);
        return entry ? [{ id, payload: payloadOf(entry) }] : [];
      });
    /** The write of upsert, synchronous: replaceIfUnchanged's compare and write happen in one step. */
    function write(id: string, payload: AdapterPayload, expiresInSeconds?: number, bounds?: RecordBounds): void {
      assertId(id, model);
      const entry = entryOf(payload);
      // Before the record it replaces goes: a refused write changes nothing.
      if (bounds) assertWithinBounds(entry.json, bounds);
      remove(model, id);
      makeRoom(model, entry.json.length);
      if (typeof expiresInSeconds === 'number') entry.expiresAt = now() + expiresInSeconds * 1000;
      table(models, model).set(id, entry);
      if (counted(model, entry)) hold(model, entry.json.length);
      // Indexed before any trim below, so that a trim removing this very entry unindexes it too.
      if (entry.uid) table(uidIndex, model).set(entry.uid, id);
      if (entry.userCode) table(userCodeIndex, model).set(entry.userCode, id);
      if (entry.grantId) grantIndex.add(entry.grantId, model, id);
      if (entry.accountId) accountIndex.add(entry.accountId, model, id);
      if (anonymousCaps[model] !== undefined && !entry.signedIn) {
        let ids = anonymous.get(model);
        if (!ids) {
          ids = new Set();
          anonymous.set(model, ids);
        }
        ids.add(id);
        trimAnonymous(model);
      }
    }
    return {
      async upsert(id, payload, expiresInSeconds, bounds) {
        write(id, payload, expiresInSeconds, bounds);
      },
      async replaceIfUnchanged(id, expectedJson, payload, expiresInSeconds) {
        if (live(model, id)?.json !== expectedJson) return false;
        write(id, payload, expiresInSeconds);
        return true;
      },
      async insertIfAbsent(id, payload, expiresInSeconds) {
        if (live(model, id)) return false;
        write(id, payload, expiresInSeconds);
        return true;
      },
      async find(id) {
        const entry = live(model, id);
        return entry ? payloadOf(entry) : undefined;
      },
      async findJson(id) {
        return live(model, id)?.json;
      },
      async findByUid(uid) {
        const id = uidIndex.get(model)?.get(uid);
        const entry = id === undefined ? undefined : live(model, id);
        return entry ? payloadOf(entry) : undefined;
      },
      async findByUserCode(userCode) {
        const id = userCodeIndex.get(model)?.get(userCode);
        const entry = id === undefined ? undefined : live(model, id);
        return entry ? payloadOf(entry) : undefined;
      },
      async consume(id) {
        // Check and set happen in one synchronous step, so two racing requests can't both win.
        const entry = live(model, id);
        if (!entry || entry.consumed !== undefined) {
          throw new AppError('already_consumed', `${model} was already consumed or is gone`);
        }
        entry.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        remove(model, id);
      },
      async destroyIfUnchanged(id, expectedJson) {
        if (live(model, id)?.json !== expectedJson) return false;
        remove(model, id);
        return true;
      },
      async revokeByGrantId(grantId) {
        if (!isId(grantId)) return;
        for (const id of grantIndex.ids(grantId, model)) remove(model, id);
      },
      // A pass over the model's entries, without parsing any: it runs when a client is deleted.
      async revokeByClientId(clientId) {
        if (!isId(clientId)) return;
        for (const [id, entry] of [...(models.get(model) ?? [])]) if (entry.clientId === clientId) remove(model, id);
      },
      async list() {
        return liveRecords([...(models.get(model)?.keys() ?? [])]);
      },
      async page(query) {
        return pageByIds(models.get(model)?.keys() ?? [], query, (id) => {
          const entry = live(model, id);
          return entry ? { id, payload: payloadOf(entry) } : undefined;
        });
      },
      async findByAccountId(accountId) {
        if (!isId(accountId)) return [];
        return liveRecords(accountIndex.ids(accountId, model));
      },
    };
  }

  function sweep(): number {
    const at = now();
    let dropped = 0;
    for (const [model, entries] of models) {
      for (const [id, entry] of entries) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= at) {
          remove(model, id);
          dropped += 1;
        }
      }
    }
    return dropped;
  }

  return {
    modelStore,
    sweep,
  };
}
