/**
 * Signing in with a passkey, at `POST /interaction/:uid/passkey`, in two ways:
 * - on its own from the login page ("Sign in with a passkey", or the browser's passkey autofill on
 *   the email field): any discoverable passkey, user verification required, no password;
 * - as the second step after a right password (mfa/pending-sign-in.ts): one of that account's passkeys.
 * Both end with amr and acr saying two factors were used: a passkey with user verification is
 * possession plus the authenticator's own check of the person (WebAuthn 6.2.3, mfa/authentication-context.ts).
 *
 * A passkey can't be guessed, but each failed answer costs a signature check, store writes and an
 * audit event, and its page carries a fresh challenge: failures are throttled per page and per
 * source address (mfa/passkey-limits.ts).
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { assertThat } from '../errors.js';
import { PASSKEY_SCRIPTS } from '../http/views.js';
import { ACR_TWO_FACTORS, amrForPasskey } from '../mfa/authentication-context.js';
import type { PasskeyLimits } from '../mfa/passkey-limits.js';
import type { PasskeyCheck, PasskeyFailure, Passkeys } from '../mfa/passkeys.js';
import { sourceKey } from '../throttling/source-address.js';
import type { PendingSignIn, PendingSignIns } from '../mfa/pending-sign-in.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRepository } from '../storage/types.js';
import type { ClientLabel } from './client-label.js';
import { unmetDemand } from './prompt-demands.js';

type Loaded = { interaction: { uid: string; prompt: { name: string }; exp?: number; params: Record<string, unknown> }; client: ClientLabel };

export interface PasskeySignInDeps {
  passkeys: Passkeys;
  passkeyLimits: PasskeyLimits;
  pendingSignIns: PendingSignIns;
  accounts: AccountRepository;
  events: SecurityEvents;
  /** Form bodies big enough for a WebAuthn response. */
  passkeyForms: Middleware;
  load(ctx: Context): Promise<Loaded>;
  /** Ends the interaction with this result (an error for the site). */
  finish(ctx: Context, result: InteractionResults): Promise<void>;
  finishSignIn(ctx: Context, uid: string, outcome: { result: InteractionResults; accountId: string; checkedFrom: number }): Promise<void>;
  /** The login page again, with a message. */
  renderLogin(ctx: Context, loaded: Loaded, locals: { error?: string; autofill?: boolean }, status?: number): Promise<void>;
  abandonStaleStepUp(ctx: Context, interaction: { uid: string; params: Record<string, unknown> }, pending: PendingSignIn): Promise<boolean>;
  /** The second step's passkey page again, with a message. */
  renderSecondStep(ctx: Context, loaded: Loaded, accountId: string, error: string, status: number): Promise<void>;
}

const SAY: Record<PasskeyFailure | 'disabled' | 'throttled', string> = {
  challenge_used: 'That passkey request has expired. Please try again.',
  unknown_passkey: 'That passkey is not registered here. It may have been removed from your account.',
  wrong_account: 'That passkey belongs to another account.',
  not_verified: 'That passkey could not be checked. Please try again, or use another way to sign in.',
  malformed: 'That passkey request has expired. Please try again.',
  disabled: 'That passkey could not be checked. Please try again, or use another way to sign in.',
  throttled: 'Too many passkey attempts. Please wait a moment and try again.',
};

/** Seconds the interaction has left: a challenge made for it expires with it. */
export function secondsLeft(interaction: { exp?: number }): number {
  return typeof interaction.exp === 'number' ? interaction.exp - Math.floor(Date.now() / 1000) : 60;
}

/** Options for the login page's passkey button and autofill, and the scripts that use them. */
export async function passkeyLocals(passkeys: Passkeys, interaction: { uid: string; exp?: number }, accountId?: string) {
  const options = await passkeys.startSignIn({ uid: interaction.uid, expiresInSeconds: secondsLeft(interaction), accountId });
  return { passkeyOptions: JSON.stringify(options), scripts: PASSKEY_SCRIPTS };
}

export function passkeySignInRoutes(router: Router, deps: PasskeySignInDeps): void {
  /** After a good signature: why the sign-in still can't go on, if it can't. */
  async function refusalAfterCheck(check: PasskeyCheck, pending: PendingSignIn | undefined): Promise<PasskeyFailure | 'disabled' | undefined> {
    // The second step's challenge was made for the password's account, on this same page.
    if (check.secondStep && pending?.accountId !== check.accountId) return 'challenge_used';
    const account = await deps.accounts.findById(check.accountId);
    // Removed meanwhile (a lost device), or the account was switched off: no sign-in with it.
    if (!account || account.disabled || !(await deps.passkeys.exists(check.credentialId, account.id))) return 'disabled';
    return undefined;
  }

  router.post('/:uid/passkey', deps.passkeyForms, async (ctx) => {
    const loaded = await deps.load(ctx);
    const { uid, prompt } = loaded.interaction;
    assertThat(['login', 'select_account'].includes(prompt.name), 'bad_request', 'This sign-in step is already complete.');
    const credential = (ctx.request.body as Record<string, unknown> | undefined)?.credential;
    const response = typeof credential === 'string' ? credential : '';
    const pending = await deps.pendingSignIns.find(uid);
    if (pending && (await deps.abandonStaleStepUp(ctx, loaded.interaction, pending))) return;
    const fail = async (reason: keyof typeof SAY, status = 400) => {
      await deps.events.record({ type: 'sign_in.passkey_failed', source: ctx.ip, accountId: pending?.accountId, detail: { reason, step: pending ? 'second' : 'first' } });
      if (pending) return deps.renderSecondStep(ctx, loaded, pending.accountId, SAY[reason], status);
      return deps.renderLogin(ctx, loaded, { error: SAY[reason], autofill: false }, status);
    };
    const admission = await deps.passkeyLimits.admit(uid, sourceKey(ctx.ip));
    if (!admission.admitted) {
      ctx.set('Retry-After', String(admission.retryAfterSeconds));
      return fail('throttled', 429);
    }
    const startedAt = Date.now();
    let outcome: Awaited<ReturnType<Passkeys['finishSignIn']>> | undefined;
    let refusal: keyof typeof SAY | undefined;
    try {
      outcome = await deps.passkeys.finishSignIn({ uid, response });
      refusal = outcome.ok ? await refusalAfterCheck(outcome.check, pending) : outcome.reason;
    } finally {
      await admission.settle(outcome === undefined ? 'not_checked' : refusal ? 'failed' : 'succeeded');
    }
    if (!outcome.ok || refusal) return fail(refusal ?? 'not_verified');
    const { accountId, method, secondStep } = outcome.check;
    // A passkey on its own signs in whoever it belongs to; a password typed earlier on this page
    // (for this account or another) is set aside.
    if (pending) await deps.pendingSignIns.destroy(uid);
    const unmet = unmetDemand(loaded.interaction.params, { accountId, acr: ACR_TWO_FACTORS });
    if (unmet) return deps.finish(ctx, unmet);
    const checkedFrom = secondStep && pending ? pending.checkedFrom : startedAt;
    await deps.events.record({ type: secondStep ? 'sign_in.second_factor_succeeded' : 'sign_in.passkey_succeeded', source: ctx.ip, accountId, detail: { factor: 'passkey', method } });
    const result: InteractionResults = {
      login: { accountId, amr: amrForPasskey(method, { afterPassword: secondStep }), acr: ACR_TWO_FACTORS, ts: Math.floor(checkedFrom / 1000) },
    };
    if (prompt.name === 'select_account') result.select_account = {};
    await deps.finishSignIn(ctx, uid, { result, accountId, checkedFrom });
  });
}
