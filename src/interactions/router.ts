/**
 * Our interaction pages: login, account chooser, consent and cancel. oidc-provider sends the
 * browser here with an interaction uid bound to a cookie; a forged or expired uid never gets
 * further than loading the details.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { AppError, assertThat } from '../errors.js';
import { formBody } from '../http/form-body.js';
import { sameOriginForms } from '../http/same-origin-forms.js';
import type { Views } from '../http/views.js';
import type { AccountRepository } from '../storage/types.js';
import { labelClient, type ClientLabel } from './client-label.js';
import { grantConsent, type ConsentDetails } from './consent.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { KnownBrowsers } from '../throttling/device-cookie.js';
import type { PasswordSignIn } from './password-sign-in.js';
import { describeClaim, describeScope } from './scopes-text.js';
import type { Factors } from '../mfa/factors.js';
import type { CodeLimits } from '../mfa/code-limits.js';
import { stepUpTooOld, type PendingSignIn, type PendingSignIns } from '../mfa/pending-sign-in.js';
import type { PasskeyLimits } from '../mfa/passkey-limits.js';
import type { Passkeys } from '../mfa/passkeys.js';
import { passkeyLocals, passkeySignInRoutes, secondsLeft } from './passkey-sign-in.js';
import { secondFactorRoutes, secondStepPath, secondStepsOf } from './second-factor.js';
import { ACR_ONLY_REASONS, ACR_TWO_FACTORS, TWO_FACTORS_REQUESTED } from '../mfa/authentication-context.js';
import { isStillSignedIn } from '../oidc/claims.js';
import { unmetDemand, unmetSubject } from './prompt-demands.js';

export interface InteractionDeps {
  /** The provider serving requests now (it is replaced when keys rotate). */
  provider: () => Provider;
  signIn: PasswordSignIn;
  events: SecurityEvents;
  accounts: AccountRepository;
  views: Views;
  /** Our own origin: form posts from anywhere else are refused. */
  issuerOrigin: string;
  /** First-party apps are named plainly; others with the host they return to (client-label.ts). */
  isFirstParty(clientId: string): Promise<boolean>;
  /** Second factors (mfa/): an account with a passkey or an authenticator app is asked for it after its password. */
  factors: Factors;
  /** Passkeys (mfa/passkeys.ts): a sign-in of their own from the login page, or the second step. */
  passkeys: Passkeys;
  passkeyLimits: PasskeyLimits;
  codeLimits: CodeLimits;
  pendingSignIns: PendingSignIns;
  /** A browser is remembered for the account once a sign-in on it is complete (throttling/device-cookie.ts). */
  browsers: KnownBrowsers;
}

const INCORRECT = 'Email or password is incorrect.';
const BUSY = 'Too many people are signing in right now. Please try again in a moment.';

/** "Please wait 16 seconds" / "Please wait 4 minutes": the Retry-After of a throttled attempt, for people. */
export function waitMessage(seconds: number): string {
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many sign-in attempts. Please wait ${wait} and try again.`;
}

function field(ctx: Context, name: string): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function createInteractionRouter(deps: InteractionDeps): Router {
  const { accounts, views } = deps;
  const provider = () => deps.provider();
  // Case-sensitive like the router.use() guard below: routes matched /ACCOUNT/... case-insensitively
  // while the guard did not, so a cross-site form got past it by changing the path's case.
  const router = new Router({ prefix: '/interaction', sensitive: true });
  const forms = formBody({ limit: '16kb' });
  router.use(sameOriginForms(deps.issuerOrigin, deps.events));

  async function load(ctx: Context) {
    const interaction = await provider().interactionDetails(ctx.req, ctx.res);
    assertThat(interaction.uid === ctx.params.uid, 'interaction_expired', 'This sign-in page does not belong to this browser session.');
    const client = await provider().Client.find(String(interaction.params.client_id));
    assertThat(client, 'interaction_expired', 'The application of this sign-in is no longer registered.');
    const firstParty = await deps.isFirstParty(client.clientId);
    return { interaction, client: labelClient(client, { firstParty, redirectUri: interaction.params.redirect_uri }) };
  }

  async function finish(ctx: Context, result: Parameters<Provider['interactionResult']>[2], merge = false) {
    const returnTo = await provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /**
   * Saves the sign-in as the interaction's result. A reset, disable or sign-out-everywhere that
   * ended the account's access after the password check began: if it landed before this saved
   * result, its sweep of sign-ins on their way missed this one, so it is taken back here (landing
   * after, the sweep finds it).
   */
  async function finishSignIn(ctx: Context, uid: string, outcome: { result: Parameters<Provider['interactionResult']>[2]; accountId: string; checkedFrom: number }) {
    const returnTo = await provider().interactionResult(ctx.req, ctx.res, outcome.result);
    const account = await accounts.findById(outcome.accountId);
    if (!account || account.disabled || (account.accessEndedAt && account.accessEndedAt.getTime() >= outcome.checkedFrom)) {
      await (await provider().Interaction.find(uid))?.destroy();
      throw new AppError('interaction_expired', 'Your account was changed while you signed in (a new password, or all sessions ended). Please sign in again.');
    }
    // Only now, every factor given: a browser that got no further than the password is no known
    // browser of the account (device-cookie.ts).
    deps.browsers.remember(ctx, account, outcome.checkedFrom);
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  const clientLocals = (client: ClientLabel) => ({ clientName: client.name, clientHost: client.host });

  /**
   * The login page, with a fresh challenge for its passkey button and the browser's passkey
   * autofill (`autofill: false` after a refused passkey: a browser or password manager that
   * answers autofill by itself would otherwise post the same refused passkey again and again).
   */
  async function renderLogin(ctx: Context, interaction: { uid: string; exp?: number }, client: ClientLabel, locals: { email?: string; error?: string; autofill?: boolean } = {}, status = 200) {
    const passkey = await passkeyLocals(deps.passkeys, interaction);
    const autofill = locals.autofill ?? true;
    views.render(ctx, 'login', { uid: interaction.uid, ...clientLocals(client), email: locals.email ?? '', error: locals.error, autofill, ...passkey }, status);
  }

  /**
   * Step-up: the site asked for two factors (acr_values) and the only thing missing is the second
   * one, over a session signed in with the password. The person is asked for their second factor
   * alone, as the session's account (issue 13: "keeping the session"); the password step counts
   * from when the session signed in (its auth_time, and the access-ended check, run from there).
   * Anything else the login prompt wants (no session, max_age, prompt=login, another sub) means a
   * full sign-in; so does an account without a second factor, whose password post answers the
   * site with unmet_authentication_requirements.
   */
  async function stepUpPath(interaction: Awaited<ReturnType<typeof load>>['interaction']): Promise<string | undefined> {
    const { prompt, session } = interaction;
    if (prompt.name !== 'login' || !prompt.reasons.includes(TWO_FACTORS_REQUESTED) || !prompt.reasons.every((reason) => ACR_ONLY_REASONS.includes(reason))) return undefined;
    if (!session?.accountId || !session.cookie) return undefined;
    const [stored, account] = await Promise.all([provider().Session.find(session.cookie), accounts.findById(session.accountId)]);
    if (!account || stored?.accountId !== account.id || typeof stored.loginTs !== 'number' || !isStillSignedIn(account, stored.loginTs, stored.uid)) return undefined;
    const pending = { accountId: account.id, checkedFrom: stored.loginTs * 1000, selectAccount: false, stepUp: true };
    // The login prompt's max_age reason was decided when the interaction began; now is what counts.
    if (stepUpTooOld(pending, interaction.params)) return undefined;
    const next = secondStepPath(await secondStepsOf(deps, account.id));
    if (!next) return undefined;
    await deps.pendingSignIns.save(interaction.uid, pending, secondsLeft(interaction));
    return `/interaction/${interaction.uid}/${next}`;
  }

  router.get('/:uid', async (ctx) => {
    const { interaction, client } = await load(ctx);
    const { uid, prompt, params, session } = interaction;
    const stepUp = await stepUpPath(interaction);
    if (stepUp) {
      ctx.status = 303;
      return ctx.redirect(stepUp);
    }
    if (prompt.name === 'select_account' && session?.accountId) {
      const account = await accounts.findById(session.accountId);
      if (account) return views.render(ctx, 'select-account', { uid, ...clientLocals(client), account });
    }
    if (prompt.name === 'consent') {
      const details = prompt.details as ConsentDetails;
      return views.render(ctx, 'consent', {
        uid,
        ...clientLocals(client),
        scopes: (details.missingOIDCScope ?? []).map(describeScope),
        claims: (details.missingOIDCClaims ?? []).map(describeClaim),
        resources: Object.entries(details.missingResourceScopes ?? {}).map(([resource, scopes]) => ({ resource, scopes })),
      });
    }
    await renderLogin(ctx, interaction, client, { email: typeof params.login_hint === 'string' ? params.login_hint : '' });
  });

  // "Use another account" from the chooser.
  router.get('/:uid/login', async (ctx) => {
    const { interaction, client } = await load(ctx);
    await renderLogin(ctx, interaction, client);
  });

  router.post('/:uid/login', forms, async (ctx) => {
    const { interaction, client } = await load(ctx);
    assertThat(['login', 'select_account'].includes(interaction.prompt.name), 'bad_request', 'This sign-in step is already complete.');
    const email = field(ctx, 'email');
    const outcome = await deps.signIn(ctx, {
      email,
      password: field(ctx, 'password'),
      page: interaction.uid,
      prompt: interaction.prompt.name,
      clientId: String(interaction.params.client_id),
      secondStep: async (accountId) => secondStepPath(await secondStepsOf(deps, accountId)),
    });
    if (outcome.kind === 'signed_in') {
      const next = outcome.secondStep;
      // With a second factor still to come, the sign-in ends with the two-factor acr.
      const unmet = unmetDemand(interaction.params, { accountId: outcome.accountId, ...(next ? { acr: ACR_TWO_FACTORS } : {}) });
      if (unmet) return finish(ctx, unmet);
      if (next) {
        // The password was right: remembered on the interaction, server-side, until a second factor follows.
        await deps.pendingSignIns.save(interaction.uid, { accountId: outcome.accountId, checkedFrom: outcome.checkedFrom, selectAccount: interaction.prompt.name === 'select_account' }, secondsLeft(interaction));
        ctx.status = 303;
        return ctx.redirect(`/interaction/${interaction.uid}/${next}`);
      }
      // A second factor asked for earlier on this page (a step-up for the session's account) is moot
      // now. Only a browser with a session can have one: a fresh sign-in skips the store write.
      if (interaction.session?.accountId) await deps.pendingSignIns.destroy(interaction.uid);
      return finishSignIn(ctx, interaction.uid, outcome);
    }
    if (outcome.kind === 'incorrect') return renderLogin(ctx, interaction, client, { email, error: INCORRECT });
    ctx.set('Retry-After', String(outcome.retryAfterSeconds));
    if (outcome.kind === 'busy') return renderLogin(ctx, interaction, client, { email, error: BUSY }, 503);
    await renderLogin(ctx, interaction, client, { email, error: waitMessage(outcome.retryAfterSeconds) }, 429);
  });

  async function abandonStaleStepUp(ctx: Context, interaction: { uid: string; params: Record<string, unknown> }, pending: PendingSignIn): Promise<boolean> {
    if (!stepUpTooOld(pending, interaction.params)) return false;
    await deps.pendingSignIns.destroy(interaction.uid);
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/login`);
    return true;
  }

  const secondStep = secondFactorRoutes(router, { ...deps, forms, load, finishSignIn, clientLocals, abandonStaleStepUp });
  passkeySignInRoutes(router, {
    finish,
    ...deps,
    passkeyForms: forms,
    load,
    abandonStaleStepUp,
    finishSignIn,
    renderLogin: (ctx, loaded, locals, status) => renderLogin(ctx, loaded.interaction, loaded.client, locals, status),
    renderSecondStep: secondStep.renderPasskeyStep,
  });

  router.post('/:uid/continue', forms, async (ctx) => {
    const { interaction } = await load(ctx);
    const accountId = interaction.session?.accountId;
    assertThat(interaction.prompt.name === 'select_account' && accountId, 'bad_request', 'There is no account to continue with.');
    const unmet = unmetSubject(interaction.params, accountId);
    if (unmet) return finish(ctx, unmet);
    await finish(ctx, { select_account: {} });
  });

  router.post('/:uid/confirm', forms, async (ctx) => {
    const { interaction } = await load(ctx);
    const accountId = interaction.session?.accountId;
    assertThat(interaction.prompt.name === 'consent' && accountId, 'bad_request', 'There is nothing to approve.');
    const grantId = await grantConsent(provider(), {
      accountId,
      clientId: String(interaction.params.client_id),
      grantId: interaction.grantId,
      details: interaction.prompt.details as ConsentDetails,
    });
    await finish(ctx, { consent: { grantId } }, true);
  });

  // "Cancel": the client receives error=access_denied (OAuth 2.0 section 4.1.2.1).
  router.post('/:uid/abort', forms, async (ctx) => {
    await load(ctx);
    await finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  });

  return router;
}
