/**
 * The baseline's interaction pages, as oidc-provider's own example app has them: a login form that
 * checks one fixed password with argon2id at the parameters our IdP uses (imported from
 * src/accounts/passwords.ts so they can't drift), and a consent form (the bench only meets it while
 * getting refresh tokens: offline_access needs prompt=consent). The same URLs as our IdP's
 * (/interaction/<uid>, .../login, .../confirm), so one simulated browser drives both.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import argon2 from 'argon2';
import type Provider from 'oidc-provider';
import { ARGON2_OPTIONS } from '../../src/accounts/passwords.js';
import { BENCH_ACCOUNT } from '../fixture.js';
import { BASELINE_ACCOUNT_ID } from './provider.js';

const loginPage = (uid: string, error = '') =>
  `<!doctype html><title>Sign in</title>${error && `<p>${error}</p>`}<form method="post" action="/interaction/${uid}/login">` +
  '<input name="email" type="email"><input name="password" type="password"><button>Sign in</button></form>';
const consentPage = (uid: string) => `<!doctype html><title>Allow</title><form method="post" action="/interaction/${uid}/confirm"><button>Allow</button></form>`;

export async function createBaselinePages(provider: Provider): Promise<Router> {
  const passwordHash = await argon2.hash(BENCH_ACCOUNT.password, ARGON2_OPTIONS);
  const router = new Router({ prefix: '/interaction' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/:uid', async (ctx) => {
    const { uid, prompt } = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    ctx.body = prompt.name === 'consent' ? consentPage(uid) : loginPage(uid);
  });

  router.post('/:uid/login', form, async (ctx) => {
    const { uid } = await provider.interactionDetails(ctx.req, ctx.res);
    const { email, password } = ctx.request.body as { email?: string; password?: string };
    const ok = email === BENCH_ACCOUNT.email && typeof password === 'string' && (await argon2.verify(passwordHash, password));
    if (!ok) {
      ctx.type = 'html';
      ctx.body = loginPage(uid, 'Email or password is incorrect.');
      return;
    }
    const result = { login: { accountId: BASELINE_ACCOUNT_ID, amr: ['pwd'], ts: Math.floor(Date.now() / 1000) } };
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  });

  router.post('/:uid/confirm', form, async (ctx) => {
    const { prompt, params, session, grantId } = await provider.interactionDetails(ctx.req, ctx.res);
    const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const grant = grantId ? (await provider.Grant.find(grantId))! : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    const consent = { grantId: await grant.save() };
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true }));
  });

  return router;
}
