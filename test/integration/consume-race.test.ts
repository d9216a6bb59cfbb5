/**
 * Issue 9 item 4: a code or refresh token used twice at the same moment (an attacker racing the
 * real client) revokes the grant, as RFC 6749 section 4.1.2 asks. oidc-provider revokes on a reuse
 * it can see; in a true race both requests load the record unconsumed and only the store's
 * single conditional consume tells them apart.
 */
import { errors } from 'oidc-provider';
import { createAdapterFactory } from '../../src/oidc/adapter.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { backends } from '../support/backends.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, fetchLoopback, pkce } from '../support/oidc-flow.js';
import { ALICE } from '../support/journeys.js';
import { startIdp, startStack, type Stack } from '../support/stack.js';
import { withLatency } from '../support/storage-latency.js';

describe.each(backends())('a consume that loses a race ($name)', (backend) => {
  afterAll(() => backend.dispose());

  it('revokes the grant: its tokens and the grant itself are gone, and the loser gets invalid_grant', async () => {
    const storage = await backend.open();
    const adapter = createAdapterFactory(storage);
    const grantId = `grant-${Date.now()}-${Math.random()}`;
    const code = `code-${grantId}`;
    await adapter('Grant').upsert(grantId, { jti: grantId, accountId: 'acct', clientId: 'c' }, 60);
    await adapter('AuthorizationCode').upsert(code, { jti: code, grantId, accountId: 'acct' }, 60);
    await adapter('AccessToken').upsert(`at-${grantId}`, { jti: `at-${grantId}`, grantId }, 60);
    await adapter('RefreshToken').upsert(`rt-${grantId}`, { jti: `rt-${grantId}`, grantId }, 60);

    const results = await Promise.allSettled([adapter('AuthorizationCode').consume(code), adapter('AuthorizationCode').consume(code)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(errors.InvalidGrant);
    expect(await adapter('AccessToken').find(`at-${grantId}`)).toBeUndefined();
    expect(await adapter('RefreshToken').find(`rt-${grantId}`)).toBeUndefined();
    expect(await adapter('Grant').find(grantId)).toBeUndefined();
  });
});


describe('two token requests racing with one authorization code', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ idp: await startIdp({ storage: withLatency(createMemoryStorage()) }) });
  });
  afterAll(async () => {
    await stack.stop();
    await stack.idp.stop();
  });

  it('answers one of them, refuses the other, and what the winner got stops working', async () => {
    const client = { id: stack.siteA.config.clientId, secret: stack.siteA.config.clientSecret, redirect: `${stack.siteA.url}/callback` };
    const { verifier, challenge } = pkce();
    const { callback } = await authorize(new HttpClient(), {
      issuer: stack.idp.issuer,
      params: { client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256' },
      credentials: ALICE,
      consent: 'allow',
    });
    const body = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier };
    const [first, second] = await Promise.all([exchangeCode(stack.idp.issuer, client, body), exchangeCode(stack.idp.issuer, client, body)]);
    const [winner, loser] = first.status === 200 ? [first, second] : [second, first];
    expect(winner.status).toBe(200);
    expect(loser.json.error).toBe('invalid_grant');

    const userinfo = await fetchLoopback(`${stack.idp.issuer}/me`, { headers: { authorization: `Bearer ${String(winner.json.access_token)}` } });
    expect(userinfo.status).toBe(401);
    if (winner.json.refresh_token) {
      expect((await exchangeCode(stack.idp.issuer, client, { grant_type: 'refresh_token', refresh_token: String(winner.json.refresh_token) })).json.error).toBe('invalid_grant');
    }
  });
});
