import { randomBytes } from 'node:crypto';
import { addClientApp, updateClientApp } from '../../src/client-apps/client-apps.js';
import { runCli } from '../support/admin.js';
import { HttpClient, interactionUid, type Reply } from '../support/http-client.js';
import { fetchLoopback, pkce } from '../support/oidc-flow.js';
import { registerClient, updateRegistration } from '../support/registration.js';
import { startIdp, startStack, type RunningIdp, type Stack } from '../support/stack.js';

/**
 * A registered app can't pose as the sign-in service or one of its own (first-party) apps: the
 * login and consent pages show its client_name to the person deciding whether to type a password.
 */
const TOKEN = randomBytes(24).toString('base64url');
let idp: RunningIdp;
let stack: Stack;
beforeAll(async () => {
  idp = await startIdp({ env: { INITIAL_ACCESS_TOKEN: TOKEN } });
  stack = await startStack({ idp }); // seeds the first-party "Site A" and "Site B"
});
afterAll(async () => {
  await stack.stop();
  await idp.stop();
});

const app = (name: string, extra: Record<string, unknown> = {}) => ({ client_name: name, redirect_uris: ['https://app.example.com/cb'], ...extra });
const register = (body: unknown) => registerClient(idp.issuer, TOKEN, body);

const IMPERSONATIONS: [string, string][] = [
  ['a first-party app\'s name', 'Site A'],
  ['it in lower case with a trailing space', 'site a '],
  ['it with a trailing dot', 'Site B.'],
  ['it in full-width letters', 'Ｓｉｔｅ Ａ'],
  ['it in Cyrillic look-alikes', 'Ѕіtе А'],
  ['the account console\'s name', 'Your account'],
  ['a right-to-left override', 'Site \u202eC'],
  ['a zero-width space', 'Site\u200bC'],
  ...Array.from({ length: 32 }, (_v, code): [string, string] => [`control character U+${code.toString(16).padStart(4, '0')}`, `Site${String.fromCharCode(code)}C`]),
];

describe('POST /reg with an impersonating client_name', () => {
  it.each(IMPERSONATIONS)('refuses %s with invalid_client_metadata', async (_what, name) => {
    const reply = await register(app(name));
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/^client_name (is too close to|must not contain)/) });
  });

  it('refuses the names the IdP\'s own pages carry', async () => {
    const home = await (await fetchLoopback(`${idp.issuer}/`)).text();
    const title = /<title>([^<]+)<\/title>/.exec(home)![1]!.split(' · ');
    const brand = /class="brand"[^>]*>([^<]+)</.exec(home)![1]!;
    for (const name of [...title, brand, new URL(idp.issuer).host]) {
      expect((await register(app(name))).json.error).toBe('invalid_client_metadata');
    }
  });

  it('refuses the name of an app an admin made first-party', async () => {
    await addClientApp(idp, { name: 'Payroll', redirectUris: ['https://payroll.example.com/cb'], firstParty: true });
    expect((await register(app('PAYROLL'))).json.error).toBe('invalid_client_metadata');
  });

  it('refuses an impersonating language-tagged name, and never stores a tagged one', async () => {
    const tagged = await register(app('Site C', { 'client_name#fr': 'Site A' }));
    expect(tagged.json).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/^client_name#fr/) });
    // oidc-provider drops metadata it doesn't know, so a tagged name never reaches a page.
    const accepted = await register(app('Site C', { 'client_name#fr': 'Site C en français' }));
    expect(accepted.status).toBe(201);
    expect(accepted.json['client_name#fr']).toBeUndefined();
    expect(JSON.stringify(await idp.clients.find(accepted.json.client_id as string))).not.toContain('français');
  });

  it('registers a name of its own', async () => {
    expect((await register(app('Site C'))).status).toBe(201);
  });
});

describe('PUT /reg/:id (RFC 7592) with an impersonating client_name', () => {
  it.each(IMPERSONATIONS.slice(0, 8))('refuses %s', async (_what, name) => {
    const registered = (await register(app('Site D'))).json;
    const reply = await updateRegistration(registered, { client_name: name });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_client_metadata');
    expect((await idp.clients.find(registered.client_id as string))?.client_name).toBe('Site D');
  });

  it('lets an app keep the name it has, even one an admin later gave a first-party app', async () => {
    const registered = (await register(app('Helpdesk'))).json;
    await addClientApp(idp, { name: 'Helpdesk', redirectUris: ['https://helpdesk.example.com/cb'], firstParty: true });
    const kept = await updateRegistration(registered, { client_name: 'Helpdesk', redirect_uris: ['https://app.example.com/new'] });
    expect(kept.status).toBe(200);
    expect(kept.json.redirect_uris).toEqual(['https://app.example.com/new']);
  });
});

describe('the admin path with an impersonating name', () => {
  it('refuses a third-party app a first-party name or invisible characters (CLI exit code 1)', async () => {
    for (const name of ['Site A', 'your account.', 'Site\u202eC', 'Site\u0007C']) {
      const run = await runCli(idp, ['clients', 'add', '--name', name, '--redirect-uri', 'https://app.example.com/cb']);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/invalid_client_metadata: client_name/);
    }
  });

  it('refuses renaming a third-party app to a first-party name', async () => {
    const { metadata } = await addClientApp(idp, { name: 'Site E', redirectUris: ['https://app.example.com/cb'] });
    await expect(updateClientApp(idp, metadata.client_id, { name: 'Site  B' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/invalid_client_metadata: client_name is too close to "Site B"/) });
  });

  it('lets an admin give a first-party app a reserved name, and a first-party app keep its own', async () => {
    await expect(addClientApp(idp, { name: 'Site A', redirectUris: ['https://a2.example.com/cb'], firstParty: true })).resolves.toMatchObject({ firstParty: true });
    await expect(updateClientApp(idp, stack.siteB.config.clientId, { redirectUris: [`${stack.siteB.url}/callback`] })).resolves.toMatchObject({ firstParty: true });
  });
});

describe('the pages a person reads before trusting an app', () => {
  const alice = { email: 'alice@example.com', password: 'wonderland' };
  /** What the page says, as read: tags out, spaces collapsed. */
  const text = (reply: Reply) => reply.body.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ').replace(/ \)/g, ')');
  const authorizeUrl = (clientId: string, redirectUri: string, extra: Record<string, string> = {}) =>
    `${idp.issuer}/auth?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra })}`;

  it('name a third-party app together with the host it returns to: login, consent and account chooser', async () => {
    const redirectUri = 'https://site-c.example.com:8443/callback';
    const registered = (await register(app('Site C', { redirect_uris: [redirectUri], post_logout_redirect_uris: ['https://site-c.example.com:8443/bye'], token_endpoint_auth_method: 'none' }))).json;
    const browser = new HttpClient();
    const toCallback = (url: string) => url.startsWith(redirectUri);

    const login = await browser.follow(await browser.get(authorizeUrl(registered.client_id as string, redirectUri)));
    expect(text(login)).toContain('to continue to Site C (site-c.example.com:8443)');
    expect(text(login)).toContain('Cancel and return to Site C (site-c.example.com:8443)');

    const consent = await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(login.url)}/login`, alice), toCallback);
    expect(text(consent)).toContain('Allow Site C (site-c.example.com:8443) to access your account?');
    const back = await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(consent.url)}/confirm`, {}), toCallback);
    expect(back.location).toMatch(/^https:\/\/site-c\.example\.com:8443\/callback\?code=/);

    const chooser = await browser.follow(await browser.get(authorizeUrl(registered.client_id as string, redirectUri, { prompt: 'select_account' })));
    expect(text(chooser)).toContain('Continue as Alice Liddell');
    expect(text(chooser)).toContain('to continue to Site C (site-c.example.com:8443)');

    const logout = await browser.get(`${idp.issuer}/session/end?${new URLSearchParams({ client_id: registered.client_id as string, post_logout_redirect_uri: 'https://site-c.example.com:8443/bye' })}`);
    expect(text(logout)).toContain('You are signing out from Site C (site-c.example.com:8443).');
  });

  it('leave a third-party app unnamed where no host it returns to is known: its name alone is text it chose', async () => {
    const name = 'Site C security - your password expired, reset it at reset.example';
    const registered = (await register(app(name, { redirect_uris: ['https://site-c.example.com/callback'], token_endpoint_auth_method: 'none' }))).json;
    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(authorizeUrl(registered.client_id as string, 'https://site-c.example.com/callback')));
    await browser.follow(await browser.post(`${idp.issuer}/interaction/${interactionUid(login.url)}/login`, alice), (url) => url.startsWith('https://site-c.example.com/'));
    const asked = await browser.get(`${idp.issuer}/session/end?${new URLSearchParams({ client_id: registered.client_id as string })}`);
    expect(text(asked)).toContain('This signs you out of every application');
    // Opened by any link, with any client_id, signed in or not.
    const done = await new HttpClient().get(`${idp.issuer}/session/end/success?${new URLSearchParams({ client_id: registered.client_id as string })}`);
    expect(text(done)).toContain('You have signed out.');
    for (const page of [asked, done]) expect(page.body).not.toContain('reset.example');
  });

  it('name a first-party app plainly', async () => {
    const browser = new HttpClient();
    const login = await browser.follow(await browser.get(`${stack.siteA.url}/login`));
    expect(text(login)).toMatch(/to continue to Site A (?!\()/);
    expect(login.body).not.toContain('client-host');
  });
});
