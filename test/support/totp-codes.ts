/** Authenticator-app codes as a test computes them from the secret the setup page shows. */
import { Secret, TOTP } from 'otpauth';
import type { HttpClient, Reply } from './http-client.js';
import type { Person } from './sign-in-steps.js';

export const totpCodes = {
  /** The code of the step `steps` away from now. */
  codeAt: (secret: string, steps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + steps * 30_000 }),
  /** The secret in text on the setup page. */
  secretOn: (page: Reply) => /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)?.[1]?.replace(/ /g, ''),
};

/** Sets up the authenticator app from the account page with a code of the current step; returns the secret. */
export async function enrolTotp(issuer: string, person: Person, browser: HttpClient): Promise<string> {
  const setup = await browser.post(`${issuer}/account/totp/start`, {});
  const secret = totpCodes.secretOn(setup)!;
  const done = await browser.post(`${issuer}/account/totp/confirm`, { code: totpCodes.codeAt(secret), current_password: person.password });
  expect(done.body).toContain('Your authenticator app is on');
  return secret;
}
