/**
 * `npm run compare`: the sessions-vs-JWT trade-off, measured on the running demo (IdP, site-a,
 * site-b, in-memory store) in one process on this machine. Prints a Markdown table.
 *
 * It starts the same stack the integration tests start (test/support/stack.ts) and drives it
 * with the same browser stand-in, so what is measured is the real code over real HTTP.
 *
 * Then a second, smaller table: site-b down during the sign-out (its listening socket closed),
 * back up COMPARE_SITE_B_DOWN_SECONDS later (default 5, at most 600): how long until it refuses
 * the person's old cookie, now that the IdP stores and retries back-channel logouts (issue 12).
 * This part takes that many seconds plus one back-off step.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { retryDelayMs } from '../src/logout-delivery/sender.js';
import { HttpClient, parseForm } from '../test/support/http-client.js';
import { ALICE, signedInEverywhere } from '../test/support/journeys.js';
import { fetchLoopback } from '../test/support/oidc-flow.js';
import { startStack, type Stack } from '../test/support/stack.js';

/** How long site-b stays down in the outage measurement; bounded so a typo can't hang the run. */
const SITE_B_DOWN_SECONDS = Number(process.env.COMPARE_SITE_B_DOWN_SECONDS ?? 5);
const MAX_SITE_B_DOWN_SECONDS = 600;
/** How often the old cookie is tried at site-b once it is back. */
const POLL_MS = 50;

const alice = ALICE;
const signIn = (stack: Stack) => signedInEverywhere(stack);

const cookieValue = async (browser: HttpClient, url: string, name: string) => (await browser.jar.getCookies(url)).find((c) => c.key === name)!.value;

/** Operations per second of `operation`, run for about `ms` milliseconds. */
async function opsPerSecond(operation: () => unknown, ms = 1500): Promise<number> {
  for (let i = 0; i < 200; i += 1) await operation(); // warm up
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i += 1) await operation();
    count += 100;
  }
  return count / ((performance.now() - start) / 1000);
}

/** Requests per second of GET / on a site, 8 at a time, for about `ms` milliseconds. */
async function requestsPerSecond(browser: HttpClient, url: string, ms = 2000): Promise<number> {
  const cookie = await browser.jar.getCookieString(url);
  let count = 0;
  const until = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < until) {
        const response = await fetchLoopback(url, { headers: { cookie }, redirect: 'manual' });
        await response.text();
        if (response.status !== 200) throw new Error(`not recognized at ${url}`);
        count += 1;
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** Presses "Sign out" at a site; the returned function presses "Yes, sign me out" at the IdP. */
async function signOutPage(browser: HttpClient, siteUrl: string): Promise<() => ReturnType<HttpClient['post']>> {
  const confirmation = await browser.follow(await browser.post(`${siteUrl}/logout`, {}));
  const { action, fields } = parseForm(confirmation.body);
  return () => browser.post(new URL(action, confirmation.url).href, { ...fields, logout: 'yes' });
}

/** Whether `siteUrl` still recognizes `cookie` (200) rather than sending it off to sign in. */
async function recognized(siteUrl: string, cookie: string): Promise<boolean> {
  const response = await fetchLoopback(`${siteUrl}/`, { headers: { cookie }, redirect: 'manual' });
  await response.text();
  return response.status === 200;
}

/**
 * Signs out at one site (RP-initiated logout, confirmed at the IdP) and measures the time from
 * the confirmation until the other site refuses its cookie.
 */
async function revocationLatencyMs(stack: Stack, signOutAt: string, other: string): Promise<number> {
  const browser = await signIn(stack);
  const otherCookie = await browser.jar.getCookieString(`${other}/`);
  const confirm = await signOutPage(browser, signOutAt);
  const start = performance.now();
  const confirmed = confirm();
  while (await recognized(other, otherCookie));
  const elapsed = performance.now() - start;
  await confirmed;
  return elapsed;
}

interface OutageRevocation {
  /** From site-b listening again until it refused the old cookie; absent: not within the wait. */
  fromBackUpMs?: number;
  fromSignOutMs?: number;
  /** How long site-b was polled after it came back. */
  polledMs: number;
  /** The IdP's delivery of site-b's logout token: attempts made and where it stands. */
  attempts: number;
  outcome: string;
}

/**
 * site-b down while the person signs out at site-a, listening again `downSeconds` later on the
 * same port (the same app, so its deny-list is what it was: the outage is the network's, as
 * during a deploy behind a load balancer). Polls site-b with the old cookie every POLL_MS until it
 * is refused, for at most twice `downSeconds` plus 10 s: longer than any back-off step that can be
 * pending when it comes back (1 s, 2 s, 4 s ... +-20%: under 1.5 x `downSeconds` + 1.2 s).
 */
async function revocationAfterOutage(stack: Stack, downSeconds: number): Promise<OutageRevocation> {
  const browser = await signIn(stack);
  const cookieB = await browser.jar.getCookieString(`${stack.siteB.url}/`);
  const siteBClient = stack.siteB.config.clientId;
  const earlier = new Set((await stack.idp.deliveries.list()).map((delivery) => delivery.id));
  const { server } = stack.siteB;
  const { port } = server.address() as AddressInfo;
  const confirm = await signOutPage(browser, stack.siteA.url);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  const signedOut = performance.now();
  try {
    await confirm();
  } finally {
    // Back up even if the sign-out failed, so stack.stop() finds site-b where it was.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedOut + downSeconds * 1000 - performance.now())));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }
  const backUp = performance.now();
  const deadline = backUp + 2 * downSeconds * 1000 + 10_000;
  let refusedAt: number | undefined;
  let pollError = '';
  while (refusedAt === undefined && performance.now() < deadline) {
    try {
      if (!(await recognized(stack.siteB.url, cookieB))) refusedAt = performance.now();
    } catch (error) {
      pollError = String((error as { cause?: unknown }).cause ?? error); // e.g. a pooled connection the outage closed
    }
    if (refusedAt === undefined) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const delivery = (await stack.idp.deliveries.list()).find((d) => d.clientId === siteBClient && !earlier.has(d.id));
  const outcome = delivery ? `${delivery.state}${delivery.lastOutcome ? `, last: ${delivery.lastOutcome}` : ''}` : 'no delivery stored';
  return {
    ...(refusedAt === undefined ? {} : { fromBackUpMs: refusedAt - backUp, fromSignOutMs: refusedAt - signedOut }),
    polledMs: (refusedAt ?? performance.now()) - backUp,
    attempts: delivery?.attempts ?? 0,
    outcome: refusedAt === undefined && pollError ? `${outcome}; last poll error: ${pollError}` : outcome,
  };
}

/** When the IdP's first attempt at or after `downMs` is due, without jitter, and which one it is. */
function nominalAttemptAfter(downMs: number): { atMs: number; attempt: number } {
  let atMs = 0;
  let attempt = 1; // made at once, when the sign-out stores the delivery
  while (atMs < downMs) {
    atMs += retryDelayMs(attempt, () => 0.5);
    attempt += 1;
  }
  return { atMs, attempt };
}

async function outageTable(stack: Stack, downSeconds: number): Promise<string> {
  const measured = await revocationAfterOutage(stack, downSeconds);
  const nominal = nominalAttemptAfter(downSeconds * 1000);
  const ttl = stack.siteB.config.sessionTtlSeconds.toLocaleString('en-US');
  const durable =
    measured.fromBackUpMs === undefined || measured.fromSignOutMs === undefined
      ? [`not refused within ${fmt(measured.polledMs)} ms (stopped polling)`, '-']
      : [`${fmt(measured.fromBackUpMs)} ms`, `${fmt(measured.fromSignOutMs)} ms`];
  const rows = [
    [
      'durable (stored, retried after 1 s, 2 s, 4 s ... +-20%), measured',
      ...durable,
      `${measured.attempts} attempts (${measured.outcome}); without jitter attempt ${nominal.attempt} is due ${nominal.atMs / 1000} s after the sign-out`,
    ],
    ['sent once, lost (before issue 12): the bound, not measured', 'not by itself: only when the cookie token expires', `up to ${ttl} s`, "SITE_B_SESSION_TTL_SECONDS, the lifetime of site-b's cookie token"],
  ];
  return [
    `site-b down during the sign-out at site-a, listening again ${downSeconds} s later (COMPARE_SITE_B_DOWN_SECONDS); its old cookie tried every ${POLL_MS} ms:`,
    '',
    '| Back-channel logout | site-b refuses the old cookie, after it is back | after the sign-out | Notes |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

async function idpStateBytes(stack: Stack, accountId: string): Promise<{ bytes: number; records: string }> {
  let bytes = 0;
  const counts: string[] = [];
  for (const model of ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode']) {
    const records = await stack.idp.storage.modelStore(model).findByAccountId(accountId);
    bytes += records.reduce((sum, record) => sum + jsonBytes(record.payload), 0);
    if (records.length) counts.push(`${records.length} ${model}`);
  }
  return { bytes, records: counts.join(', ') };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  if (!(SITE_B_DOWN_SECONDS > 0 && SITE_B_DOWN_SECONDS <= MAX_SITE_B_DOWN_SECONDS)) {
    throw new Error(`COMPARE_SITE_B_DOWN_SECONDS must be a number of seconds above 0 and at most ${MAX_SITE_B_DOWN_SECONDS}`);
  }
  const stack = await startStack();
  try {
    const browser = await signIn(stack);
    const siteAUrl = `${stack.siteA.url}/`;
    const siteBUrl = `${stack.siteB.url}/`;
    const sessionId = await cookieValue(browser, siteAUrl, 'site_a_session');
    const sessionToken = await cookieValue(browser, siteBUrl, 'site_b_session');
    const cookieA = `site_a_session=${sessionId}`;
    const cookieB = `site_b_session=${sessionToken}`;

    const session = (await stack.siteA.app.sessions.get(sessionId))!;
    const lookups = await opsPerSecond(() => stack.siteA.app.sessions.get(sessionId));
    const verifications = await opsPerSecond(() => stack.siteB.app.sessionTokens.verify(sessionToken));
    const httpA = await requestsPerSecond(browser, siteAUrl);
    const httpB = await requestsPerSecond(browser, siteBUrl);

    const account = (await stack.idp.storage.accounts.findByEmail(alice.email))!;
    const idpState = await idpStateBytes(stack, account.id);

    const bToA = await revocationLatencyMs(stack, stack.siteB.url, stack.siteA.url);
    const aToB = await revocationLatencyMs(stack, stack.siteA.url, stack.siteB.url);
    const denyEntryBytes = jsonBytes({ sid: session.sid, forgetAfter: Date.now() });
    const lifetime = `${stack.siteA.config.sessionTtlSeconds.toLocaleString('en-US')} s (site-a session) / ${stack.siteB.config.sessionTtlSeconds.toLocaleString('en-US')} s (site-b token)`;

    const rows = [
      ['Cookie bytes added to every request', `${cookieA.length} (\`site_a_session\` = 256-bit random id)`, `${cookieB.length} (\`site_b_session\` = HS256 JWT)`],
      ['Recognize a user, in process (ops/s)', `${fmt(lookups)} session lookups`, `${fmt(verifications)} HS256 verifications`],
      ['Recognize a user, GET / over HTTP (req/s, 8 concurrent)', fmt(httpA), fmt(httpB)],
      ['Revocation latency, back-channel logout on', `${bToA.toFixed(1)} ms (signed out at site-b)`, `${aToB.toFixed(1)} ms (signed out at site-a)`],
      ['Revocation latency without back-channel logout', `until the session expires: ${stack.siteA.config.sessionTtlSeconds.toLocaleString('en-US')} s`, `until the token expires: ${stack.siteB.config.sessionTtlSeconds.toLocaleString('en-US')} s`],
      ['Server-side state per signed-in user', `${jsonBytes(session)} bytes (one session entry: claims, sid, ID token)`, `0 bytes; after a logout ~${denyEntryBytes} bytes (one deny-list entry, kept ${stack.siteB.config.sessionTtlSeconds.toLocaleString('en-US')} s)`],
      ['IdP state for the same user (shared by both sites)', `${idpState.bytes} bytes: ${idpState.records}`, '(same)'],
    ];
    const table = ['| | site-a (sessions) | site-b (JWT) |', '| --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
    console.log(`\nSessions vs JWT, measured ${new Date().toISOString().slice(0, 10)} on this machine (Node ${process.version}, in-memory store):\n\n${table}\n`);
    console.log(`Lifetimes: ${lifetime}. Numbers vary from run to run; compare the columns, not the runs.`);
    console.log(`\n${await outageTable(stack, SITE_B_DOWN_SECONDS)}\n`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
