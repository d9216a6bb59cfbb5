/**
 * `npm run bench:memory`: what the in-memory store holds per signed-in person, and whether the heap
 * stays flat over many sign-ins once expired records are swept.
 *
 * In one process: the IdP (in-memory store, short lifetimes so records expire during the run) and
 * a client driving the real sign-in over HTTP (authorization with PKCE, login form, password POST,
 * code, token). Every `BENCH_BATCH` sign-ins it sweeps, collects garbage and records the heap.
 * The argon2id cost is the real one, so the number of sign-ins is what bounds the run's length:
 * BENCH_SIGN_INS (default 3,000, ~1.5 minutes here at ~35 a second; the 100,000 take ~50).
 *
 * Then, apart from the sign-ins, the store's cost of one signed-in person: 10,000 copies of the
 * last live Session and of its Grant written into a fresh store, and the heap they add (the
 * JSON text, the map entries and the indexes: what the store really holds, not just the JSON).
 * And how long finding one person's sessions takes among 0, 1,000 and 100,000 other people's.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryStorage } from '../src/storage/memory/index.js';
import { HttpClient } from '../test/support/http-client.js';
import { ALICE } from '../test/support/journeys.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../test/support/oidc-flow.js';
import { startIdp, startStack } from '../test/support/stack.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 3000);
// About 20 samples whatever the length of the run.
const BATCH = Number(process.env.BENCH_BATCH ?? Math.max(500, Math.ceil(SIGN_INS / 20 / 500) * 500));
const PARALLEL = 4;

const storage = createMemoryStorage();
const ttl = { SESSION_TTL_SECONDS: '20', INTERACTION_TTL_SECONDS: '20', ACCESS_TOKEN_TTL_SECONDS: '20', ID_TOKEN_TTL_SECONDS: '20', GRANT_TTL_SECONDS: '20', REFRESH_TOKEN_TTL_SECONDS: '20' };
const stack = await startStack({ idp: await startIdp({ storage, env: { ...ttl, LOGIN_ATTEMPTS_PER_SOURCE: '10000' } }) });
const client = { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` };

async function signIn(): Promise<void> {
  const { verifier, challenge } = pkce();
  // One connection pool for every simulated browser, as a load generator has.
  const { callback } = await authorize(new HttpClient(undefined, {}, fetchLoopback), {
    issuer: stack.idp.issuer,
    params: { client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' },
    credentials: ALICE,
  });
  const tokens = await exchangeCode(stack.idp.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
  if (tokens.status !== 200) throw new Error(`token endpoint answered ${tokens.status}`);
}

/** Bytes of every live record, by model, as JSON (what a store has to keep). */
async function recordBytes(): Promise<Record<string, { count: number; bytes: number }>> {
  const out: Record<string, { count: number; bytes: number }> = {};
  for (const model of ['Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'Interaction']) {
    const records = await storage.modelStore(model).list();
    out[model] = { count: records.length, bytes: records.reduce((sum, { id, payload }) => sum + id.length + JSON.stringify(payload).length, 0) };
  }
  return out;
}

const COPIES = 10_000;

/** What one more Session (and its Grant) costs the store on the heap, indexes and map entries included. */
async function heapPerSignedInPerson(): Promise<{ session: number; grant: number }> {
  const [live] = await storage.modelStore('Session').list();
  if (!live) throw new Error('no live session to copy');
  const grantId = Object.values((live.payload.authorizations ?? {}) as Record<string, { grantId?: string }>)[0]?.grantId;
  const grant = grantId ? await storage.modelStore('Grant').find(grantId) : undefined;
  if (!grant) throw new Error('the live session has no grant');
  const fresh = createMemoryStorage();
  const added = async (model: string, copy: (n: number) => [string, Record<string, unknown>]) => {
    const before = heap();
    for (let n = 0; n < COPIES; n += 1) await fresh.modelStore(model).upsert(...copy(n), 3600);
    return Math.round((heap() - before) / COPIES);
  };
  // Ids and uids as long as the real ones, each unique, so nothing is shared between copies.
  const unique = (value: string, n: number) => `${value.slice(0, -8)}${String(n).padStart(8, '0')}`;
  const session = await added('Session', (n) => [unique(live.id, n), { ...live.payload, jti: unique(live.id, n), uid: unique(String(live.payload.uid), n) }]);
  const grantBytes = await added('Grant', (n) => [unique(grantId!, n), { ...grant, jti: unique(grantId!, n) }]);
  return { session, grant: grantBytes };
}

/**
 * µs to find one person's sessions in a store that holds `others` other people's (the account
 * page, sign out everywhere; a sign-in asks the same of passkeys): an index lookup, so about the
 * same at any size, where a pass over the model grew with it (~20 ms at 100,000).
 */
async function lookupAmong(others: number): Promise<number> {
  const [live] = await storage.modelStore('Session').list();
  if (!live) throw new Error('no live session to copy');
  const sessions = createMemoryStorage().modelStore('Session');
  for (let n = 0; n < others; n += 1) await sessions.upsert(`other-session-${n}`, { ...live.payload, accountId: `other-account-${n}` }, 3600);
  await sessions.upsert(live.id, live.payload, 3600);
  const owner = String(live.payload.accountId);
  const times = 1_000;
  const started = process.hrtime.bigint();
  for (let n = 0; n < times; n += 1) if ((await sessions.findByAccountId(owner)).length !== 1) throw new Error('the lookup did not find the one session');
  return Number(process.hrtime.bigint() - started) / times / 1000;
}

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

await signIn();
const firstHeap = heap();
const samples: { signIns: number; heapMiB: number; swept: number }[] = [];
let done = 1;
const started = Date.now();
while (done < SIGN_INS) {
  const batchEnd = Math.min(SIGN_INS, done + BATCH);
  let next = done;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < batchEnd) {
        next += 1;
        await signIn();
      }
    }),
  );
  done = batchEnd;
  const swept = storage.sweep();
  samples.push({ signIns: done, heapMiB: heap() / 2 ** 20, swept });
}
const perSession = await recordBytes();
const session = perSession.Session!;
const perPerson = await heapPerSignedInPerson();
const lookups = [0, 1_000, 100_000].map((others) => ({ others, micros: 0 }));
for (const lookup of lookups) lookup.micros = await lookupAmong(lookup.others);
console.log(`\nIn-memory store after ${SIGN_INS} sign-ins of one person (${Math.round((Date.now() - started) / 1000)} s, lifetimes 20 s, swept every ${BATCH}), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}:\n`);
console.log('| sign-ins | heap after sweep + GC | records swept |');
console.log('| --- | --- | --- |');
console.log(`| 1 | ${(firstHeap / 2 ** 20).toFixed(1)} MiB | - |`);
for (const sample of samples) console.log(`| ${sample.signIns} | ${sample.heapMiB.toFixed(1)} MiB | ${sample.swept} |`);
console.log(`\nLive records now (the last 20 s of sign-ins), JSON bytes: ${Object.entries(perSession).map(([model, { count, bytes }]) => `${model} ${count} (${count ? Math.round(bytes / count) : 0} B each)`).join(', ')}`);
console.log(`Bytes per IdP session record: ${session.count ? Math.round(session.bytes / session.count) : 0} of JSON`);
console.log(`Heap per signed-in person (${COPIES.toLocaleString('en')} copies of a live Session and its Grant in a fresh store, after GC): Session ${perPerson.session} B, Grant ${perPerson.grant} B`);
console.log(`One person's sessions found among other people's: ${lookups.map(({ others, micros }) => `${micros.toFixed(1)} µs among ${others.toLocaleString('en')}`).join(', ')}`);
await stack.stop();
await stack.idp.stop();
