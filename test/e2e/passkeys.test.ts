/**
 * Passkeys in a real browser: headless Chromium with a virtual authenticator (the DevTools
 * protocol's WebAuthn domain), which makes and uses real keys and signatures, with user
 * verification (a stand-in for a fingerprint) always passing.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { BOB } from '../support/journeys.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  context = await browser.newContext();
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  ({ authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR })) as { authenticatorId: string });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

type Credential = { credentialId: string; isResidentCredential: boolean; rpId: string; privateKey: string; userHandle?: string; signCount: number };
const AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } as const;

/**
 * Runs `action` with the authenticator unplugged, then plugs it back in with its keys. The virtual
 * authenticator answers the login page's passkey autofill request by itself (no person picks from
 * a list here), so a page meant to be used with a password or the button loads without it.
 */
async function unplugged(action: () => Promise<void>): Promise<void> {
  const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: Credential[] };
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  await action();
  ({ authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR })) as { authenticatorId: string });
  for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
}

const heading = () => page.getByRole('heading', { level: 1 }).textContent();

/** The acr and amr site-a's sensitive page shows. */
async function sensitivePage(): Promise<{ acr: string; amr: string }> {
  await page.waitForURL(`${stack.siteA.url}/sensitive`);
  const cell = (name: string) => page.locator('tr', { has: page.locator('th', { hasText: name }) }).locator('td').textContent();
  return { acr: (await cell('acr'))!.trim(), amr: (await cell('amr'))!.trim() };
}

async function signOutOfSiteA(): Promise<void> {
  await page.goto(stack.siteA.url);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${stack.idp.issuer}/session/end**`);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${stack.siteA.url}/**`);
}

async function toLoginPage(): Promise<void> {
  await page.goto(stack.siteA.url);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.idp.issuer}/interaction/**`);
}

describe('passkeys in Chromium with a virtual authenticator', () => {
  it('signs Bob in at site-a with his password only: no factor yet', async () => {
    await toLoginPage();
    await page.getByLabel('Email').fill(BOB.email);
    await page.getByLabel('Password').fill(BOB.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${stack.siteA.url}/`);
    await expect(heading()).resolves.toBe('Hello, Bob Builder');
  });

  it('adds a passkey on the account page, after the current password', async () => {
    await page.goto(`${stack.idp.issuer}/account`);
    await page.waitForURL(`${stack.idp.issuer}/account`);
    await page.getByLabel('Name for the new passkey').fill('Test laptop');
    await page.locator('#passkey_password').fill(BOB.password);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(heading()).resolves.toBe('Add a passkey');
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    await page.waitForURL(`${stack.idp.issuer}/account/passkeys/finish`);
    await expect(heading()).resolves.toBe('Your passkey “Test laptop” is added');

    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: { isResidentCredential: boolean; rpId: string }[] };
    expect(credentials).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: 'idp.localhost' })]);
    await page.goto(`${stack.idp.issuer}/account`);
    await expect(page.locator('ul.passkeys li').textContent()).resolves.toContain('Test laptop');
  });

  it('steps up at site-a’s sensitive page: the password-only session is asked for the passkey alone', async () => {
    await page.goto(`${stack.siteA.url}/sensitive`);
    await page.waitForURL(`${stack.idp.issuer}/interaction/*/passkey`);
    await expect(heading()).resolves.toBe('Use your passkey');
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    // site-a prints the amr array joined with spaces: the session's password, then the passkey.
    await expect(sensitivePage()).resolves.toEqual({ acr: 'urn:sso:acr:2fa', amr: 'pwd hwk mfa' });
  });

  it('signs in with the passkey button and no password, after signing out', async () => {
    await signOutOfSiteA();
    await unplugged(toLoginPage);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${stack.siteA.url}/`);
    await page.goto(`${stack.siteA.url}/sensitive`);
    await expect(sensitivePage()).resolves.toEqual({ acr: 'urn:sso:acr:2fa', amr: 'hwk user mfa' });
  });

  it('signs in with the passkey and no password, offered in the email field’s autofill, after signing out', async () => {
    await signOutOfSiteA();
    // Plugged in: the login page's autofill request (conditional mediation) is answered at once.
    await toLoginPage();
    await page.waitForURL(`${stack.siteA.url}/`);
    await expect(heading()).resolves.toBe('Hello, Bob Builder');
  });

  it('asks for the passkey after the password, and the session then meets two factors', async () => {
    await signOutOfSiteA();
    await unplugged(async () => {
      await toLoginPage();
      await page.getByLabel('Email').fill(BOB.email);
      await page.getByLabel('Password').fill(BOB.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${stack.idp.issuer}/interaction/*/passkey`);
    });
    await expect(heading()).resolves.toBe('Use your passkey');
    // The note for browsers without passkeys is hidden by the script in this one.
    await expect(page.getByText("This browser can't use passkeys here").isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.waitForURL(`${stack.siteA.url}/`);
    await page.goto(`${stack.siteA.url}/sensitive`);
    await expect(sensitivePage()).resolves.toEqual({ acr: 'urn:sso:acr:2fa', amr: 'pwd hwk mfa' });
  });

  it('removes the passkey on the account page; the authenticator’s copy then signs nobody in', async () => {
    await page.goto(`${stack.idp.issuer}/account`);
    await page.waitForURL(`${stack.idp.issuer}/account`);
    await page.locator('ul.passkeys li').getByLabel('Current password').fill(BOB.password);
    await page.getByRole('button', { name: 'Remove Test laptop' }).click();
    await expect(heading()).resolves.toBe('The passkey is removed');

    await signOutOfSiteA();
    await unplugged(toLoginPage);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${stack.idp.issuer}/interaction/*/passkey`);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('not registered here');
    expect(page.url()).toContain('/interaction/');
  });
});
