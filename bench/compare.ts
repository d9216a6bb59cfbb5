/**
 * `npm run compare`: the sessions-vs-JWT trade-off, measured on the running demo (IdP, site-a,
 * site-b, in-memory store) in one process on this machine. Prints a Markdown table.
 *
 * It starts the same stack the integration tests start (test/support/stack.ts) and drives it
 * with the same browser stand-in, so what is measured is the real code over real HTTP.
 */
import { performance } from 'node:perf_hooks';
import { HttpClient, parseForm } from '../test/support/http-client.js';
import { ALICE, signedInEverywhere } from '../test/support/journeys.js';
import { startStack, type Stack } from '../test/support/stack.js';

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
  const { fetchLoopback } = await import('../test/support/oidc-flow.js');
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

/**
 * Signs out at one site (RP-initiated logout, confirmed at the IdP) and measures the time from
 * the confirmation until the other site refuses its cookie.
 */
async function revocationLatencyMs(stack: Stack, signOutAt: string, other: string): Promise<number> {
  const browser = await signIn(stack);
  const otherCookie = await browser.jar.getCookieString(`${other}/`);
  const confirmation = await browser.follow(await browser.post(`${signOutAt}/logout`, {}));
  const { action, fields } = parseForm(confirmation.body);
  const { fetchLoopback } = await import('../test/support/oidc-flow.js');
  const start = performance.now();
  const confirmed = browser.post(new URL(action, confirmation.url).href, { ...fields, logout: 'yes' });
  for (;;) {
    const response = await fetchLoopback(`${other}/`, { headers: { cookie: otherCookie }, redirect: 'manual' });
    await response.text();
    if (response.status !== 200) break; // not recognized: sent off to sign in
  }
  const elapsed = performance.now() - start;
  await confirmed;
  return elapsed;
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
