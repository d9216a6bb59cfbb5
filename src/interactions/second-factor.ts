/**
 * The second sign-in step, for accounts with a passkey or an authenticator app: after the password
 * (router.ts keeps that it was right on the interaction, mfa/pending-sign-in.ts), a page asks for
 * the passkey first, else the app's code, with the others (and a recovery code) offered instead.
 * Only a right factor finishes the interaction, with amr and acr saying two factors were used
 * (mfa/authentication-context.ts); the passkey's answer is checked in passkey-sign-in.ts. Wrong
 * codes are throttled per account and per page (mfa/code-limits.ts) and recorded.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { assertThat } from '../errors.js';
import type { Views } from '../http/views.js';
import { ACR_TWO_FACTORS, AMR_PASSWORD_AND_RECOVERY_CODE, AMR_PASSWORD_AND_TOTP } from '../mfa/authentication-context.js';
import type { CodeLimits } from '../mfa/code-limits.js';
import type { Factors } from '../mfa/factors.js';
import type { Passkeys } from '../mfa/passkeys.js';
import type { PendingSignIn, PendingSignIns } from '../mfa/pending-sign-in.js';
import { passkeyLocals } from './passkey-sign-in.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { AccountRepository } from '../storage/types.js';
import type { KnownBrowsers } from '../throttling/device-cookie.js';
import type { ClientLabel } from './client-label.js';

type Loaded = { interaction: { uid: string; prompt: { name: string }; exp?: number; params: Record<string, unknown> }; client: ClientLabel };

/** Which second factors an account has: whether its password alone signs it in, and which page comes next. */
export interface SecondSteps {
  passkey: boolean;
  totp: boolean;
}

export async function secondStepsOf(deps: { factors: Factors; passkeys: Passkeys }, accountId: string): Promise<SecondSteps> {
  const [totp, passkey] = await Promise.all([deps.factors.hasTotp(accountId), deps.passkeys.has(accountId)]);
  return { totp, passkey };
}

/** The page after a right password, when there is one: a passkey first (WebAuthn can't be phished), then the app. */
export function secondStepPath(steps: SecondSteps): string | undefined {
  if (steps.passkey) return 'passkey';
  return steps.totp ? 'code' : undefined;
}

export interface SecondFactorDeps {
  /** The account's browsers that completed a sign-in count their wrong codes apart (mfa/code-limits.ts). */
  accounts: Pick<AccountRepository, 'findById'>;
  browsers: KnownBrowsers;
  factors: Factors;
  passkeys: Passkeys;
  codeLimits: CodeLimits;
  pendingSignIns: PendingSignIns;
  events: SecurityEvents;
  views: Views;
  forms: Middleware;
  load(ctx: Context): Promise<Loaded>;
  finishSignIn(ctx: Context, uid: string, outcome: { result: InteractionResults; accountId: string; checkedFrom: number }): Promise<void>;
  clientLocals(client: ClientLabel): Record<string, unknown>;
  /** A step-up past the site's max_age: drops it and sends the person to the full login page (true), or leaves it (false). */
  abandonStaleStepUp(ctx: Context, interaction: { uid: string; params: Record<string, unknown> }, pending: PendingSignIn): Promise<boolean>;
}

type Factor = 'passkey' | 'totp' | 'recovery';
const WRONG: Record<Exclude<Factor, 'passkey'>, string> = {
  totp: 'That code is not right, or it was used already. Enter the newest code from your authenticator app.',
  recovery: 'That recovery code is not right, or it was used already.',
};

const codeField = (ctx: Context) => {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.code;
  return typeof value === 'string' ? value.slice(0, 64) : '';
};

export function secondFactorRoutes(router: Router, deps: SecondFactorDeps) {
  const { views } = deps;

  /** The interaction and its pending sign-in; undefined when a step-up went stale and the person was sent to sign in in full. */
  async function loadPending(ctx: Context): Promise<(Loaded & { pending: PendingSignIn }) | undefined> {
    const loaded = await deps.load(ctx);
    assertThat(['login', 'select_account'].includes(loaded.interaction.prompt.name), 'bad_request', 'This sign-in step is already complete.');
    const pending = await deps.pendingSignIns.find(loaded.interaction.uid);
    assertThat(pending, 'interaction_expired', 'Please enter your email and password first.');
    if (await deps.abandonStaleStepUp(ctx, loaded.interaction, pending)) return undefined;
    return { ...loaded, pending };
  }

  /** The step's page, offering the account's other factors as links (and its passkey's options on the passkey page). */
  async function render(ctx: Context, loaded: Loaded, accountId: string, factor: Factor, error?: string, status = 200) {
    const steps = await secondStepsOf(deps, accountId);
    const passkey = factor === 'passkey' ? await passkeyLocals(deps.passkeys, loaded.interaction, accountId) : {};
    views.render(ctx, 'second-factor', { uid: loaded.interaction.uid, ...deps.clientLocals(loaded.client), factor, steps, error, ...passkey }, status);
  }

  router.get('/:uid/passkey', async (ctx) => {
    const loaded = await loadPending(ctx);
    if (!loaded) return;
    await render(ctx, loaded, loaded.pending.accountId, 'passkey');
  });

  for (const factor of ['totp', 'recovery'] as const) {
    const path = factor === 'totp' ? 'code' : 'recovery-code';

    router.get(`/:uid/${path}`, async (ctx) => {
      const loaded = await loadPending(ctx);
      if (!loaded) return;
      await render(ctx, loaded, loaded.pending.accountId, factor);
    });

    router.post(`/:uid/${path}`, deps.forms, async (ctx) => {
      const loaded = await loadPending(ctx);
      if (!loaded) return;
      const { uid } = loaded.interaction;
      const { accountId } = loaded.pending;
      const about = { source: ctx.ip, accountId, detail: { factor } };
      const account = await deps.accounts.findById(accountId);
      const knownDevice = account ? deps.browsers.knownFor(ctx, account) : undefined;
      const admission = await deps.codeLimits.admit(accountId, uid, knownDevice);
      if (!admission.admitted) {
        await deps.events.record({ type: 'sign_in.second_factor_throttled', ...about, detail: { factor, retry_after_seconds: admission.retryAfterSeconds } });
        ctx.set('Retry-After', String(admission.retryAfterSeconds));
        return render(ctx, loaded, accountId, factor, `Too many wrong codes. Please wait ${admission.retryAfterSeconds} seconds and try again.`, 429);
      }
      let ok = false;
      try {
        const code = codeField(ctx).replace(/\s/g, '');
        ok = factor === 'totp' ? await deps.factors.verifyTotp(accountId, code) : await deps.factors.useRecoveryCode(accountId, code);
      } finally {
        await admission.settle(ok ? 'succeeded' : 'failed');
      }
      if (!ok) {
        await deps.events.record({ type: 'sign_in.second_factor_failed', ...about });
        return render(ctx, loaded, accountId, factor, WRONG[factor], 400);
      }
      await deps.pendingSignIns.destroy(uid);
      await deps.events.record({ type: 'sign_in.second_factor_succeeded', ...about });
      const result: InteractionResults = {
        login: {
          accountId,
          amr: [...(factor === 'totp' ? AMR_PASSWORD_AND_TOTP : AMR_PASSWORD_AND_RECOVERY_CODE)],
          acr: ACR_TWO_FACTORS,
          ts: Math.floor(loaded.pending.checkedFrom / 1000),
        },
      };
      if (loaded.pending.selectAccount) result.select_account = {};
      await deps.finishSignIn(ctx, uid, { result, accountId, checkedFrom: loaded.pending.checkedFrom });
    });
  }

  return {
    /** The passkey page again, with what went wrong (passkey-sign-in.ts). */
    renderPasskeyStep: (ctx: Context, loaded: Loaded, accountId: string, error: string, status: number) => render(ctx, loaded, accountId, 'passkey', error, status),
  };
}
