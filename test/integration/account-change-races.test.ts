/**
 * The account page when someone else holds the password and a session (found by an attacking
 * review): the person throws them out (a new password, sign out everywhere, a factor change) while
 * one of their changes is on its way. Whatever that change would have left them (the password, a
 * passkey, an app, recovery codes) must not outlive the person's change, and it must not sign the
 * person out in turn. Each race is staged with a gate on the store, not hoped for.
 */
import { createLogger } from '../../src/logger.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import type { AccountRepository, Storage } from '../../src/storage/types.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { signInSteps, type Person } from '../support/sign-in-steps.js';
import { createSoftwareAuthenticator, passkeyOptionsIn, type SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';
import { withGates } from '../support/storage-gates.js';
import { enrolTotp, totpCodes } from '../support/totp-codes.js';

let stack: Stack;
const serverErrors: string[] = [];
const gates = withGates(createMemoryStorage());

/** The next account write that sets a password waits until the test opens it. */
let heldPasswordWrite: { arrived: () => void; opened: Promise<void> } | undefined;
function holdNextPasswordWrite(): { reached: Promise<void>; release: () => void } {
  let arrived!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  heldPasswordWrite = { arrived, opened: new Promise<void>((resolve) => (release = resolve)) };
  return { reached, release };
}
function withPasswordGate(base: Storage): Storage {
  const accounts: AccountRepository = Object.assign(Object.create(base.accounts) as AccountRepository, {
    async update(...args: Parameters<AccountRepository['update']>) {
      const gate = heldPasswordWrite;
      if (gate && 'passwordHash' in args[1]) {
        heldPasswordWrite = undefined;
        gate.arrived();
        await gate.opened;
      }
      return base.accounts.update(...args);
    },
  });
  return Object.assign(Object.create(base) as Storage, { accounts });
}

const app = { id: 'race-app', secret: 'race-app-secret-0123456789abcdefghijklmno', redirect: 'http://race-app.localhost:9/cb' };
const { issuer, newPerson, accountPage, passwordStep } = signInSteps(() => stack, app);

beforeAll(async () => {
  const logger = createLogger('error', (line) => serverErrors.push(line));
  stack = await startStack({ idp: await startIdp({ storage: withPasswordGate(gates.storage), logger }) });
  await signInSteps(() => stack, app).registerApp();
});
afterAll(async () => {
  await stack.stop();
  await stack.idp.stop();
});
afterEach(() => expect(serverErrors.splice(0)).toEqual([]));

async function signsInWith(person: Person, password: string): Promise<boolean> {
  const browser = new HttpClient();
  const login = await browser.follow(await browser.get(`${issuer()}/account`));
  const page = await browser.follow(await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: person.email, password }));
  return page.url === `${issuer()}/account`;
}
const newKey = () => createSoftwareAuthenticator({ origin: new URL(issuer()).origin });
/** Adds a passkey from the account page; the reply to its finish. */
async function addPasskey(browser: HttpClient, person: Person, key: SoftwareAuthenticator, name: string) {
  const setup = await browser.post(`${issuer()}/account/passkeys/start`, { name, current_password: person.password });
  return browser.post(`${issuer()}/account/passkeys/finish`, { credential: JSON.stringify(key.register(passkeyOptionsIn(setup.body))) });
}
/** A new session on the account page, signed in with a passkey alone (the account has one). */
async function passkeySession(key: SoftwareAuthenticator): Promise<HttpClient> {
  const browser = new HttpClient();
  const login = await browser.follow(await browser.get(`${issuer()}/account`));
  const page = await browser.follow(await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/passkey`, { credential: JSON.stringify(key.assert(passkeyOptionsIn(login.body))) }));
  expect(page.url).toBe(`${issuer()}/account`);
  return browser;
}
/** The person with a passkey of their own, signed in twice: one session theirs, one someone else's. */
async function twoSessionsWithAFactor() {
  const person = await newPerson();
  const key = newKey();
  expect((await addPasskey(await accountPage(person), person, key, 'mine')).status).toBe(200);
  return { person, key, owner: await passkeySession(key), intruder: await passkeySession(key) };
}
const stillOnAccountPage = async (browser: HttpClient) => (await browser.get(`${issuer()}/account`)).status === 200;
const expectSignInAgain = (reply: { status: number; body: string }) => {
  expect(reply.status).toBe(400);
  expect(reply.body).toContain('Please sign in again');
};
/**
 * Sends `theirs`, holds it at `gate` while the person's own change lands (it must succeed), then
 * lets it go on; its reply.
 */
async function overtaken(gate: { reached: Promise<void>; release: () => void }, theirs: () => Promise<Reply>, own: () => Promise<Reply>): Promise<Reply> {
  const reply = theirs();
  await gate.reached;
  expect((await own()).status).toBe(200);
  gate.release();
  return reply;
}
const newCodes = (browser: HttpClient, person: Person) => browser.post(`${issuer()}/account/recovery-codes`, { current_password: person.password });
const recoveryCodesOn = (body: string) => [...body.matchAll(/<li><code>([A-Z2-7-]+)<\/code><\/li>/g)].map((match) => match[1]!);

describe('a password change with the old password that the person\'s own change overtook', () => {
  it('is refused: the person\'s new password stays, and the old one\'s holder is out', async () => {
    const person = await newPerson();
    const [intruder, owner] = [await accountPage(person), await accountPage(person)];
    const theirs = await overtaken(
      holdNextPasswordWrite(),
      () => intruder.post(`${issuer()}/account/password`, { current_password: person.password, new_password: 'intruder-password-1' }),
      () => owner.post(`${issuer()}/account/password`, { current_password: person.password, new_password: 'owners-new-password' }),
    );
    expectSignInAgain(theirs);
    expect(await signsInWith(person, 'owners-new-password')).toBe(true);
    expect(await signsInWith(person, 'intruder-password-1')).toBe(false);
  });

  it('is refused after a sign-out everywhere too, though the password is unchanged', async () => {
    const person = await newPerson();
    const [intruder, owner] = [await accountPage(person), await accountPage(person)];
    const theirs = await overtaken(
      holdNextPasswordWrite(),
      () => intruder.post(`${issuer()}/account/password`, { current_password: person.password, new_password: 'intruder-password-2' }),
      () => owner.post(`${issuer()}/account/sign-out-everywhere`, {}),
    );
    expectSignInAgain(theirs);
    expect(await signsInWith(person, person.password)).toBe(true);
  });
});

describe('a factor added by a session that the person\'s factor change ended meanwhile', () => {
  it('a passkey: taken off again, and the person stays signed in', async () => {
    const { person, owner, intruder } = await twoSessionsWithAFactor();
    expectSignInAgain(await overtaken(gates.holdNext('Passkey', ['upsert']), () => addPasskey(intruder, person, newKey(), 'innocent'), () => newCodes(owner, person)));
    expect((await stack.idp.passkeys.list(person.id)).map((passkey) => passkey.name)).toEqual(['mine']);
    expect(await stillOnAccountPage(owner)).toBe(true);
  });

  it('an authenticator app: not switched on, and the person stays signed in', async () => {
    const { person, owner, intruder } = await twoSessionsWithAFactor();
    const secret = totpCodes.secretOn(await intruder.post(`${issuer()}/account/totp/start`, {}))!;
    const confirm = () => intruder.post(`${issuer()}/account/totp/confirm`, { code: totpCodes.codeAt(secret), current_password: person.password });
    expectSignInAgain(await overtaken(gates.holdNext('AccountFactors', ['upsert']), confirm, () => newCodes(owner, person)));
    expect((await stack.idp.factors.status(person.id)).totp).toBe(false);
    expect(await stillOnAccountPage(owner)).toBe(true);
  });

  it('recovery codes, shown to a session that a password change ended meanwhile: not one of them works', async () => {
    const { person, owner, intruder } = await twoSessionsWithAFactor();
    const newPassword = () => owner.post(`${issuer()}/account/password`, { current_password: person.password, new_password: 'owners-new-password' });
    const made = await overtaken(gates.holdNext('AccountFactors', ['upsert']), () => newCodes(intruder, person), newPassword);
    expectSignInAgain(made);
    expect(recoveryCodesOn(made.body)).toEqual([]);
    expect((await stack.idp.factors.status(person.id)).recoveryCodes).toBe(0);
  });
});

describe('recovery codes without a second factor', () => {
  it('are not made: they would wait, unseen by the person, for the first factor and then pass as it', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const refused = await newCodes(browser, person);
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('set up an authenticator app or a passkey first');
    expect(recoveryCodesOn(refused.body)).toEqual([]);
    expect((await stack.idp.factors.status(person.id)).recoveryCodes).toBe(0);
  });

  it('made by an earlier version, end when the first factor is set up', async () => {
    for (const setUp of ['app', 'passkey'] as const) {
      const person = await newPerson();
      const stale = await stack.idp.factors.newRecoveryCodes(person.id);
      const browser = await accountPage(person);
      if (setUp === 'app') await enrolTotp(issuer(), person, browser);
      else expect((await addPasskey(browser, person, newKey(), 'first')).status).toBe(200);
      expect((await stack.idp.factors.status(person.id)).recoveryCodes).toBe(0);
      const step = await passwordStep(person);
      const used = await step.browser.post(`${issuer()}/interaction/${step.uid}/recovery-code`, { code: stale[0]! });
      expect(used.status).toBe(400);
    }
  });
});
