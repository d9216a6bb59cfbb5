import { randomUUID } from 'node:crypto';
import { Secret } from 'otpauth';
import { ACR_TWO_FACTORS } from '../../src/mfa/authentication-context.js';
import { CODE_FAILURES_FREE_PER_PAGE } from '../../src/mfa/code-limits.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { ALL_SCOPES, callApi, createAdminClient, expectDocumented, managementToken } from '../support/management.js';
import { pkce } from '../support/oidc-flow.js';
import { signInSteps, type Person } from '../support/sign-in-steps.js';
import { enrolTotp, totpCodes } from '../support/totp-codes.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const app = { id: 'totp-test-app', secret: 'totp-test-app-secret-0123456789abcdefgh', redirect: 'http://totp-app.localhost:9/cb' };
const { issuer, isCallback, newPerson, accountPage, idTokenAfter, passwordStep, registerApp } = signInSteps(() => stack, app);

beforeAll(async () => {
  stack = await startStack();
  await registerApp();
});
afterAll(async () => {
  await stack.stop();
});

const { codeAt, secretOn } = totpCodes;
const enrol = (person: Person, browser: HttpClient) => enrolTotp(issuer(), person, browser);

describe('setting up an authenticator app (POST /account/totp/start, /account/totp/confirm)', () => {
  it('shows a QR code and the secret, without any script, and switches on only with the password and a current code', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const setup = await browser.post(`${issuer()}/account/totp/start`, {});
    expect(setup.status).toBe(200);
    expect(setup.body).toContain('<svg');
    expect(setup.body).not.toMatch(/<script/i);
    expect(setup.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(setup.headers.get('content-security-policy')).not.toContain('script-src');
    const secret = secretOn(setup)!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrongPassword = await browser.post(`${issuer()}/account/totp/confirm`, { code: codeAt(secret), current_password: 'not-the-password' });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body).toContain('Your current password is not correct.');
    const wrongCode = await browser.post(`${issuer()}/account/totp/confirm`, { code: codeAt(secret, -3), current_password: person.password });
    expect(wrongCode.status).toBe(400);
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });

    const done = await browser.post(`${issuer()}/account/totp/confirm`, { code: codeAt(secret), current_password: person.password });
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your authenticator app is on');
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: true, passkeys: 0, recoveryCodes: 0 });
  });

  it('refuses a set-up, turn-off or new recovery codes sent from another site', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    for (const path of ['/account/totp/start', '/account/totp/confirm', '/account/totp/off', '/account/recovery-codes']) {
      expect((await browser.post(`${issuer()}${path}`, { current_password: person.password }, { origin: 'http://evil.localhost' })).status).toBe(403);
    }
  });

  it('keeps the secret encrypted in the store: the stored record never holds it in plain text', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const stored = JSON.stringify(await stack.idp.storage.modelStore('AccountFactors').find(person.id));
    expect(stored).toContain('"totp"');
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(Secret.fromBase32(secret).bytes).toString('base64url'));
    expect(stored).not.toContain(Buffer.from(Secret.fromBase32(secret).bytes).toString('hex'));
  });

  it('signs out every other session of the account, and keeps this one', async () => {
    const person = await newPerson();
    const here = await accountPage(person);
    const elsewhere = await accountPage(person);
    await enrol(person, here);
    expect((await here.get(`${issuer()}/account`)).status).toBe(200);
    const other = await elsewhere.get(`${issuer()}/account`);
    expect(other.status).toBe(302);
    expect(other.location).toBe(`${issuer()}/account/login`);
    expect(await stack.idp.storage.modelStore('Session').findByAccountId(person.id)).toHaveLength(1);
  });
});

describe('turning the authenticator app off (POST /account/totp/off)', () => {
  it('needs the password, and then signing in asks for the password only (the recovery codes go too)', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    await stack.idp.factors.newRecoveryCodes(person.id);
    // The account page itself is behind the code now.
    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(`${issuer()}/account`));
    const codePage = await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: person.email, password: person.password });
    expect(codePage.location).toMatch(/\/code$/);
    const page = await browser.follow(await browser.post(codePage.location!, { code: codeAt(secret, 1) }));
    expect(page.url).toBe(`${issuer()}/account`);
    expect(page.body).toContain('Your authenticator app is on');

    const refused = await browser.post(`${issuer()}/account/totp/off`, { current_password: 'wrong-password' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Your current password is not correct.');
    const off = await browser.post(`${issuer()}/account/totp/off`, { current_password: person.password });
    expect(off.body).toContain('Your authenticator app is off');
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });
    const { browser: again, reply, verifier } = await passwordStep(person);
    expect((await idTokenAfter(reply, again, verifier)).amr).toEqual(['pwd']);
  });
});

describe('signing in with an authenticator app (POST /interaction/:uid/code)', () => {
  it('asks for a code after the password, and a right code signs in with amr otp + mfa and the two-factor acr', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const { browser, uid, reply, verifier } = await passwordStep(person);
    expect(reply.location).toBe(`${issuer()}/interaction/${uid}/code`);
    const page = await browser.get(reply.location!);
    expect(page.body).toContain('Enter the code from your authenticator app');
    expect(page.body).toContain(`/interaction/${uid}/recovery-code`);
    expect(page.body).not.toMatch(/<script/i);

    const claims = await idTokenAfter(await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) }), browser, verifier);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.acr).toBe(ACR_TWO_FACTORS);
  });

  it('refuses a code used already, and any code of an earlier step', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const first = await passwordStep(person);
    const code = codeAt(secret, 1);
    const accepted = await first.browser.post(`${issuer()}/interaction/${first.uid}/code`, { code });
    expect(accepted.status).toBe(303);
    const second = await passwordStep(person);
    for (const replay of [code, codeAt(secret, 0)]) {
      const refused = await second.browser.post(`${issuer()}/interaction/${second.uid}/code`, { code: replay });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('That code is not right, or it was used already.');
    }
  });

  it('refuses a code from two steps ago', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const setup = await browser.post(`${issuer()}/account/totp/start`, {});
    const secret = secretOn(setup)!;
    const old = await browser.post(`${issuer()}/account/totp/confirm`, { code: codeAt(secret, -2), current_password: person.password });
    expect(old.status).toBe(400);
    await browser.post(`${issuer()}/account/totp/confirm`, { code: codeAt(secret, -1), current_password: person.password });
    const { browser: signingIn, uid } = await passwordStep(person);
    // -1 was accepted at enrolment; -2 is outside the window whatever was accepted before.
    expect((await signingIn.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, -2) })).status).toBe(400);
    expect((await signingIn.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 0) })).status).toBe(303);
  });

  it('throttles wrong codes like wrong passwords: after the free ones, even a right code waits', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const { browser, uid } = await passwordStep(person);
    const statuses: number[] = [];
    for (let i = 0; i < CODE_FAILURES_FREE_PER_PAGE + 2; i += 1) {
      statuses.push((await browser.post(`${issuer()}/interaction/${uid}/code`, { code: '000000' === codeAt(secret, 1) ? '111111' : '000000' })).status);
    }
    expect(statuses.slice(0, CODE_FAILURES_FREE_PER_PAGE)).toEqual(Array(CODE_FAILURES_FREE_PER_PAGE).fill(400));
    expect(statuses.at(-1)).toBe(429);
    const right = await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.body).toContain('Too many wrong codes');
  });

  it('never skips the password: the code page needs a password checked on this very interaction', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const { verifier, challenge } = pkce();
    const browser = new HttpClient();
    const params = { client_id: app.id, redirect_uri: app.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' };
    const login = await browser.follow(await browser.get(`${issuer()}/auth?${new URLSearchParams(params)}`), isCallback);
    const uid = interactionUid(login.url);
    const skipped = await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) });
    expect(skipped.status).toBe(400);
    expect(skipped.location).toBeUndefined();
    // After the password, resuming the authorization without a code does not come back with one.
    await browser.post(`${issuer()}/interaction/${uid}/login`, { email: person.email, password: person.password });
    const resumed = await browser.follow(await browser.get(`${issuer()}/auth/${uid}`), isCallback);
    expect(resumed.location && isCallback(resumed.location) && new URL(resumed.location).searchParams.has('code')).toBeFalsy();
    void verifier;
  });

  it('ends a sign-in waiting for its code when all of the account’s access ends', async () => {
    const person = await newPerson();
    const secret = await enrol(person, await accountPage(person));
    const { browser, uid } = await passwordStep(person);
    await stack.idp.access.endAll(person.id);
    expect(await stack.idp.storage.modelStore('PendingSecondFactor').find(uid)).toBeUndefined();
    const late = await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) });
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect(late.location).toBeUndefined();
  });

  it('keeps today’s sign-in for accounts without an authenticator app: amr pwd, no two-factor acr', async () => {
    const person = await newPerson();
    const { browser, reply, verifier } = await passwordStep(person);
    const claims = await idTokenAfter(reply, browser, verifier);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).not.toBe(ACR_TWO_FACTORS);
  });
});

describe('recovery codes (POST /account/recovery-codes, /interaction/:uid/recovery-code)', () => {
  it('shows ten codes once, stores none of them, and each works once in place of a code', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    await enrol(person, browser);
    const refused = await browser.post(`${issuer()}/account/recovery-codes`, { current_password: 'wrong-password' });
    expect(refused.status).toBe(400);
    const page = await browser.post(`${issuer()}/account/recovery-codes`, { current_password: person.password });
    const codes = [...page.body.matchAll(/<li><code>([A-Z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    const stored = JSON.stringify(await stack.idp.storage.modelStore('AccountFactors').find(person.id));
    for (const code of codes) expect(stored).not.toContain(code.replace(/-/g, ''));

    const first = await passwordStep(person);
    const claims = await idTokenAfter(await first.browser.post(`${issuer()}/interaction/${first.uid}/recovery-code`, { code: codes[0]!.toLowerCase() }), first.browser, first.verifier);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect(claims.acr).toBe(ACR_TWO_FACTORS);
    const again = await passwordStep(person);
    const reused = await again.browser.post(`${issuer()}/interaction/${again.uid}/recovery-code`, { code: codes[0]! });
    expect(reused.status).toBe(400);
    expect(reused.body).toContain('That recovery code is not right, or it was used already.');
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: true, passkeys: 0, recoveryCodes: 9 });
  });
});

describe('discovery', () => {
  it('lists the two-factor acr in acr_values_supported', async () => {
    const reply = await new HttpClient().get(`${issuer()}/.well-known/openid-configuration`);
    expect(JSON.parse(reply.body).acr_values_supported).toContain(ACR_TWO_FACTORS);
  });
});

describe('Management API: second factors of a user', () => {
  it('shows whether a user has them, never what they are, and POST /users/{id}/factors/reset removes them with an audit event', async () => {
    const token = await managementToken(stack.idp, await createAdminClient(stack.idp, ALL_SCOPES, 'Factors admin'));
    const person = await newPerson();
    const browser = await accountPage(person);
    const secret = await enrol(person, browser);
    await browser.post(`${issuer()}/account/recovery-codes`, { current_password: person.password });

    const shown = await callApi(stack.idp, token, 'GET', `/users/${person.id}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ has_totp: true, has_recovery_codes: true });
    expect(JSON.stringify(shown.json)).not.toContain(secret);
    await expectDocumented(stack.idp, token, 'getUser', shown);

    const readOnly = await managementToken(stack.idp, await createAdminClient(stack.idp, ['admin:users:read'], 'Read-only admin'), ['admin:users:read']);
    expect((await callApi(stack.idp, readOnly, 'POST', `/users/${person.id}/factors/reset`)).status).toBe(403);

    const reset = await callApi(stack.idp, token, 'POST', `/users/${person.id}/factors/reset`);
    expect(reset.status).toBe(200);
    expect(reset.json).toEqual({ user: expect.objectContaining({ id: person.id, has_totp: false, has_recovery_codes: false }), ended: expect.objectContaining({ sessions: 1 }) });
    await expectDocumented(stack.idp, token, 'resetUserFactors', reset);
    const events = await stack.idp.storage.audit.list({ limit: 5, type: 'account.factors_reset', accountId: person.id });
    expect(events).toEqual([expect.objectContaining({ detail: expect.objectContaining({ by: 'admin', had_totp: true, passkeys: 0, recovery_codes: 10, sessions_ended: 1 }) })]);
    // Sessions signed in with the factors taken away end with them.
    expect((await browser.follow(await browser.get(`${issuer()}/account`))).body).toContain('name="password"');

    // The password alone signs in again.
    const { browser: signingIn, reply, verifier } = await passwordStep(person);
    expect((await idTokenAfter(reply, signingIn, verifier)).amr).toEqual(['pwd']);
  });
});

describe('second factors under races (found by an attacking review)', () => {
  it('two different recovery codes used at once: both count, neither ever counts again', async () => {
    const person = await newPerson();
    const codes = await stack.idp.factors.newRecoveryCodes(person.id);
    expect(await Promise.all([stack.idp.factors.useRecoveryCode(person.id, codes[0]!), stack.idp.factors.useRecoveryCode(person.id, codes[1]!)])).toEqual([true, true]);
    expect((await stack.idp.factors.status(person.id)).recoveryCodes).toBe(8);
    for (const used of [codes[0]!, codes[1]!]) expect(await stack.idp.factors.useRecoveryCode(person.id, used)).toBe(false);
  });

  it('a sign-in code checked while the app is turned off (or reset) never brings the app or its codes back', async () => {
    const person = await newPerson();
    const secret = await stack.idp.factors.startTotp(person.id, 'this-session');
    expect(await stack.idp.factors.confirmTotp(person.id, 'this-session', codeAt(secret, -1))).toBe(true);
    const codes = await stack.idp.factors.newRecoveryCodes(person.id);
    await Promise.all([stack.idp.factors.verifyTotp(person.id, codeAt(secret)), stack.idp.factors.disableTotp(person.id), stack.idp.factors.useRecoveryCode(person.id, codes[2]!)]);
    expect(await stack.idp.factors.status(person.id)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });
    expect(await stack.idp.factors.useRecoveryCode(person.id, codes[3]!)).toBe(false);
  });
});

describe('setting up an app while another change lands (found by an attacking review)', () => {
  it('starting a set-up (a session is enough, no password) never writes the account\'s factors record, so it can\'t write an older copy back', async () => {
    const person = await newPerson();
    const factors = stack.idp.storage.modelStore('AccountFactors');
    const secret = await stack.idp.factors.startTotp(person.id, 'person-session');
    expect(await stack.idp.factors.confirmTotp(person.id, 'person-session', codeAt(secret, -1))).toBe(true);
    const on = await factors.find(person.id);
    // Someone holding a copy of the session starts a set-up of their own, and another after the
    // person moved to a new app: the record the person wrote stays as it is.
    await stack.idp.factors.startTotp(person.id, 'stolen-copy');
    expect(await factors.find(person.id)).toEqual(on);
    const newSecret = await stack.idp.factors.startTotp(person.id, 'person-session');
    expect(await stack.idp.factors.confirmTotp(person.id, 'person-session', codeAt(newSecret))).toBe(true);
    const moved = await factors.find(person.id);
    await stack.idp.factors.startTotp(person.id, 'stolen-copy');
    expect(await factors.find(person.id)).toEqual(moved);
    expect(await stack.idp.factors.verifyTotp(person.id, codeAt(newSecret, 1))).toBe(true);
    expect(await stack.idp.factors.verifyTotp(person.id, codeAt(secret, 1))).toBe(false);
  });

  it('takes a new app\'s current code even in the 30 seconds the old app\'s code was used in', async () => {
    const person = await newPerson();
    const old = await stack.idp.factors.startTotp(person.id, 's');
    expect(await stack.idp.factors.confirmTotp(person.id, 's', codeAt(old, -1))).toBe(true);
    expect(await stack.idp.factors.verifyTotp(person.id, codeAt(old))).toBe(true);
    const next = await stack.idp.factors.startTotp(person.id, 's');
    expect(await stack.idp.factors.confirmTotp(person.id, 's', codeAt(next))).toBe(true);
    // The same code of the same app still counts once only.
    expect(await stack.idp.factors.verifyTotp(person.id, codeAt(next))).toBe(false);
  });
});

describe('an enrolment belongs to the session that started it (found by an attacking review)', () => {
  it('another session of the account neither sees nor confirms the secret being set up', async () => {
    const person = await newPerson();
    const secret = await stack.idp.factors.startTotp(person.id, 'victim-session');
    expect(await stack.idp.factors.pendingTotp(person.id, 'other-session')).toBeUndefined();
    expect(await stack.idp.factors.confirmTotp(person.id, 'other-session', codeAt(secret))).toBe(false);
    expect(await stack.idp.factors.pendingTotp(person.id, 'victim-session')).toBe(secret);
  });
});

describe('a site asking for two factors (acr_values, step-up)', () => {
  const authorizeUrl = (challenge: string, extra: Record<string, string> = {}) =>
    `${issuer()}/auth?${new URLSearchParams({ client_id: app.id, redirect_uri: app.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: randomUUID(), acr_values: ACR_TWO_FACTORS, ...extra })}`;
  const callbackOf = (reply: Reply) => new URL(reply.location!);

  it('answers prompt=none over a password-only session with interaction_required, never a code', async () => {
    const person = await newPerson();
    const { browser, reply } = await passwordStep(person);
    await browser.follow(reply, isCallback);
    const silent = await browser.follow(await browser.get(authorizeUrl(pkce().challenge, { prompt: 'none' })), isCallback);
    expect(callbackOf(silent).searchParams.get('error')).toBe('interaction_required');
    expect(callbackOf(silent).searchParams.get('code')).toBeNull();
  });

  it('answers unmet_authentication_requirements for an account with no second factor, never a token with less', async () => {
    const person = await newPerson();
    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(authorizeUrl(pkce().challenge)), isCallback);
    const end = await browser.follow(await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: person.email, password: person.password }), isCallback);
    expect(callbackOf(end).searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(callbackOf(end).searchParams.get('code')).toBeNull();
  });

  it('asks a password-only session for the code alone, keeping the person, then issues acr 2fa with auth_time of the password', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const secret = await enrol(person, browser);
    const signedInAt = (await stack.idp.storage.modelStore('Session').findByAccountId(person.id)).map(({ payload }) => payload.loginTs as number)[0]!;
    // This browser's session was signed in with the password alone, before the app was on.
    const { verifier, challenge } = pkce();
    const page = await browser.follow(await browser.get(authorizeUrl(challenge, { max_age: '3600' })), isCallback);
    const uid = interactionUid(page.url);
    expect(page.url).toBe(`${issuer()}/interaction/${uid}/code`);
    expect(page.body).not.toContain('name="password"');
    const claims = await idTokenAfter(await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) }), browser, verifier);
    expect(claims).toMatchObject({ acr: ACR_TWO_FACTORS, amr: ['pwd', 'otp', 'mfa'], sub: person.id, auth_time: signedInAt });
    // Now the session has two factors: the same request goes through silently.
    const silent = await browser.follow(await browser.get(authorizeUrl(pkce().challenge, { prompt: 'none' })), isCallback);
    expect(callbackOf(silent).searchParams.get('code')).not.toBeNull();
  });

  it('asks for a full sign-in when more than the second factor is missing (prompt=login, max_age passed)', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    await enrol(person, browser);
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const page = await browser.follow(await browser.get(authorizeUrl(pkce().challenge, extra)), isCallback);
      expect([extra, page.body.includes('name="password"')]).toEqual([extra, true]);
    }
  });

  it('treats an essential acr claim request for two factors like acr_values: step-up, and unmet_authentication_requirements without a factor', async () => {
    const essential = { acr_values: '', claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_TWO_FACTORS] } } }) };
    const person = await newPerson();
    const browser = await accountPage(person);
    const secret = await enrol(person, browser);
    const { verifier, challenge } = pkce();
    const page = await browser.follow(await browser.get(authorizeUrl(challenge, essential)), isCallback);
    const uid = interactionUid(page.url);
    expect(page.url).toBe(`${issuer()}/interaction/${uid}/code`);
    const claims = await idTokenAfter(await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) }), browser, verifier);
    expect(claims).toMatchObject({ acr: ACR_TWO_FACTORS, sub: person.id });

    const without = await newPerson();
    const other = new HttpClient();
    const login = await other.follow(await other.get(authorizeUrl(pkce().challenge, essential)), isCallback);
    const end = await other.follow(await other.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: without.email, password: without.password }), isCallback);
    expect(callbackOf(end).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('never steps up a session whose access ended (a password change elsewhere)', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    await enrol(person, browser);
    await stack.idp.access.endAll(person.id);
    const page = await browser.follow(await browser.get(authorizeUrl(pkce().challenge)), isCallback);
    expect(page.body).toContain('name="password"');
  });
});

describe("site-a's sensitive page (step-up)", () => {
  it('asks a password-only session for its second factor, then shows amr with both', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    const secret = await enrol(person, browser);
    const siteA = stack.siteA.url;
    // Signed in at site-a silently, from the password-only IdP session.
    const home = await browser.follow(await browser.get(`${siteA}/login`));
    expect(home.body).toContain('Hello, Pat');
    // The sensitive page asks the IdP for two factors: the code alone is asked for.
    const codePage = await browser.follow(await browser.get(`${siteA}/sensitive`));
    const uid = interactionUid(codePage.url);
    expect(codePage.url).toBe(`${issuer()}/interaction/${uid}/code`);
    const page = await browser.follow(await browser.post(`${issuer()}/interaction/${uid}/code`, { code: codeAt(secret, 1) }));
    expect(page.url).toBe(`${siteA}/sensitive`);
    expect(page.body).toContain('Sensitive page');
    expect(page.body).toContain('pwd otp mfa');
    expect(page.body).toContain(ACR_TWO_FACTORS);
  });

  it('tells a person without a second factor what to do, and never shows the page', async () => {
    const person = await newPerson();
    const browser = await accountPage(person);
    await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    const login = await browser.follow(await browser.get(`${stack.siteA.url}/sensitive`));
    const end = await browser.follow(await browser.post(`${issuer()}/interaction/${interactionUid(login.url)}/login`, { email: person.email, password: person.password }));
    expect(end.body).toContain('needs a sign-in with two steps');
    expect(end.body).not.toContain('Sensitive page');
  });
});
