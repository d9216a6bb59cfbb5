/**
 * A changed second factor ends every other session of the account (end-access.ts endOthers), also
 * one that has a request in flight when its record is deleted: oidc-provider saves the session it
 * loaded at the end of each request, and so brought a stolen session back. Now the account
 * remembers when the others were ended and which session was kept (claims.ts), as "sign out
 * everywhere" remembers accessEndedAt. Found by an attacking review (with the store slowed down,
 * the stolen session came back in every run).
 */
import { CookieJar } from 'tough-cookie';
import { registerAccount } from '../../src/accounts/accounts.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { HttpClient } from '../support/http-client.js';
import { signedInEverywhere } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';
import { withLatency } from '../support/storage-latency.js';
import { totpCodes } from '../support/totp-codes.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ idp: await startIdp({ storage: withLatency(createMemoryStorage()), logger: createLogger('error', () => undefined) }) });
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});

it('a stolen session does not survive a factor change made while it has a request in flight', async () => {
  const credentials = { email: 'race@example.com', password: 'password-of-race' };
  const account = await registerAccount(stack.idp.storage.accounts, { ...credentials, name: 'Race' });
  // The attacker's copy of the session (e.g. left open on a shared computer).
  const thief = await signedInEverywhere(stack, credentials);
  const stolen = new CookieJar();
  for (const cookie of await thief.jar.getCookies(`${stack.idp.issuer}/`)) await stolen.setCookie(cookie.clone()!, `${stack.idp.issuer}/`);
  const attacker = new HttpClient(stolen);
  // Sign-in times are whole seconds, and one in the very second of the change still counts.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  // The person on their own device.
  const victim = await signedInEverywhere(stack, credentials);
  const authUrl = (await new HttpClient().get(`${stack.siteA.url}/login?prompt=none`)).location!;

  let running = true;
  const loops = Array.from({ length: 4 }, async () => {
    while (running) await attacker.get(authUrl);
  });
  // The change: switching the authenticator app on.
  const secret = totpCodes.secretOn(await victim.post(`${stack.idp.issuer}/account/totp/start`, {}))!;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const changed = await victim.post(`${stack.idp.issuer}/account/totp/confirm`, { code: totpCodes.codeAt(secret), current_password: credentials.password });
  expect(changed.status).toBe(200);
  expect(changed.body).toContain('Your authenticator app is on');
  await new Promise((resolve) => setTimeout(resolve, 300));
  running = false;
  await Promise.all(loops);

  const after = await attacker.get(authUrl);
  expect(after.location).not.toContain('code=');
  expect((await stack.idp.storage.modelStore('Session').findByAccountId(account.id)).length).toBe(1);
  expect((await attacker.get(`${stack.idp.issuer}/account`)).status).toBe(302);
  // The person who made the change is still signed in, at the IdP and at a site.
  expect((await victim.get(`${stack.idp.issuer}/account`)).status).toBe(200);
  expect((await victim.get(authUrl)).location).toContain('code=');
});
