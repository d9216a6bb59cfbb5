/**
 * The login step: credentials -> an interaction result, or the one generic failure.
 */
import type { InteractionResults } from 'oidc-provider';
import type { Authenticate } from '../accounts/authenticate.js';

export type LoginOutcome = { ok: true; accountId: string; checkedFrom: number; result: InteractionResults } | { ok: false };

export async function attemptLogin(
  authenticate: Authenticate,
  form: { email: string; password: string },
  pendingPrompt: string,
): Promise<LoginOutcome> {
  const outcome = await authenticate(form.email, form.password);
  if (!outcome.ok) return { ok: false };
  // Signing in also answers a pending prompt=select_account: the person chose this account.
  // ts: when the password check began, which is the sign-in's auth_time (not when it resumed), so
  // a reset that ended the account's access after that moment ends this sign-in too (claims.ts).
  const result: InteractionResults = { login: { accountId: outcome.account.id, amr: ['pwd'], ts: Math.floor(outcome.checkedFrom / 1000) } };
  if (pendingPrompt === 'select_account') result.select_account = {};
  return { ok: true, accountId: outcome.account.id, checkedFrom: outcome.checkedFrom, result };
}
