/**
 * One password attempt at a login page, from the limits to the audit trail: count it against the
 * limits that apply to this browser (sign-in-limits.ts), check the password in a bounded slot
 * (at most `perSource` of them per source address, of at most PASSWORD_CHECK_CONCURRENCY),
 * record what happened (the browser is remembered once the whole sign-in is done: router.ts).
 * The answer is one of four outcomes the login page renders; a wrong password, an unknown email
 * and a disabled account are the same `incorrect`.
 */
import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import type { Authenticate } from '../accounts/authenticate.js';
import { isAppError } from '../errors.js';
import type { Pseudonyms } from '../security/pseudonyms.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRepository } from '../storage/types.js';
import { knownFor, type Device, type DeviceCookies } from '../throttling/device-cookie.js';
import type { InFlight } from '../throttling/in-flight.js';
import type { SignInLimits } from '../throttling/sign-in-limits.js';
import { sourceKey } from '../throttling/source-address.js';
import { attemptLogin } from './login.js';

export type SignInOutcome =
  /** `checkedFrom`: when the password check began (epoch ms), for the check after the result is saved (router.ts). */
  | { kind: 'signed_in'; result: InteractionResults; accountId: string; checkedFrom: number; secondStep?: string }
  | { kind: 'incorrect' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'busy'; retryAfterSeconds: number };

export interface PasswordSignInDeps {
  authenticate: Authenticate;
  limits: SignInLimits;
  pseudonyms: Pseudonyms;
  devices: DeviceCookies;
  /** Read only for a browser whose device cookie names the account: does it still count (device-cookie.ts)? */
  accounts: Pick<AccountRepository, 'findByEmail'>;
  /** Password checks one source may have running or waiting at once. */
  perSource: InFlight;
  events: SecurityEvents;
}

export interface PasswordForm {
  email: string;
  password: string;
  /** The interaction uid of the login page. */
  page: string;
  /** The pending prompt (login or select_account). */
  prompt: string;
  clientId: string;
  /**
   * A browser already trusted for this account by other means: the account page passes the
   * person's IdP session, so re-entering a password there counts like a known browser, never
   * against the stranger limits an attacker can keep raised.
   */
  trustedBrowser?: string;
  /**
   * The page of the second factor the account still owes after a right password, if any
   * (interactions/second-factor.ts): the attempt is then recorded as `sign_in.password_accepted`,
   * not `sign_in.succeeded`, since the sign-in is not done.
   */
  secondStep?: (accountId: string) => Promise<string | undefined>;
}

export type PasswordSignIn = (ctx: Context, form: PasswordForm) => Promise<SignInOutcome>;

export function createPasswordSignIn(deps: PasswordSignInDeps): PasswordSignIn {
  const { limits, events } = deps;
  async function knownDeviceOf(device: Device | undefined, account: string, email: string): Promise<string | undefined> {
    if (!device?.accounts.some((known) => known.account === account)) return undefined;
    const record = await deps.accounts.findByEmail(email);
    return record ? knownFor(device, account, record) : undefined;
  }
  return async (ctx, form) => {
    const account = deps.pseudonyms.ofEmail(form.email);
    const device = deps.devices.read(ctx);
    const knownDevice = form.trustedBrowser ?? (await knownDeviceOf(device, account, form.email));
    const attempt = { account, source: sourceKey(ctx.ip), page: form.page, knownDevice };
    const about = { source: ctx.ip, subject: account, clientId: form.clientId };

    const admission = await limits.admit(attempt);
    if (!admission.admitted) {
      await events.record({ type: 'sign_in.throttled', ...about, detail: { limit: admission.limit, retry_after_seconds: admission.retryAfterSeconds } });
      return { kind: 'throttled', retryAfterSeconds: admission.retryAfterSeconds };
    }
    let outcome: Awaited<ReturnType<typeof attemptLogin>> | undefined;
    try {
      outcome = await deps.perSource.run(attempt.source, () => attemptLogin(deps.authenticate, form, form.prompt));
    } catch (error) {
      await admission.settle('not_checked');
      if (!isAppError(error) || error.code !== 'overloaded') throw error;
    }
    if (!outcome) {
      await admission.settle('not_checked');
      await events.record({ type: 'sign_in.overloaded', ...about });
      return { kind: 'busy', retryAfterSeconds: 1 };
    }
    await admission.settle(outcome.ok ? 'succeeded' : 'failed');
    if (!outcome.ok) {
      await events.record({ type: 'sign_in.failed', ...about, detail: { known_browser: attempt.knownDevice !== undefined } });
      return { kind: 'incorrect' };
    }
    const secondStep = await form.secondStep?.(outcome.accountId);
    const type = secondStep ? 'sign_in.password_accepted' : 'sign_in.succeeded';
    await events.record({ type, ...about, accountId: outcome.accountId, detail: { known_browser: attempt.knownDevice !== undefined } });
    return { kind: 'signed_in', result: outcome.result, accountId: outcome.accountId, checkedFrom: outcome.checkedFrom, secondStep };
  };
}
