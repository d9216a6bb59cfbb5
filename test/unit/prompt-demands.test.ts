/**
 * unmetDemand (src/interactions/prompt-demands.ts): what the authorization request demanded of the
 * sign-in against who signed in and with which acr, as the password and passkey routes ask it.
 * The routes' answers, end to end: test/integration/login-prompt-demands.test.ts, totp.test.ts.
 */
import { UnsecuredJWT } from 'jose';
import { ACR_TWO_FACTORS } from '../../src/mfa/authentication-context.js';
import { unmetDemand } from '../../src/interactions/prompt-demands.js';

const hintFor = (sub: string) => new UnsecuredJWT({ sub }).encode();
const acrClaims = (values: string[]) => JSON.stringify({ id_token: { acr: { essential: true, values } } });

describe('what the request demanded of the sign-in', () => {
  it('nothing: any sign-in', () => {
    expect(unmetDemand({}, { accountId: 'alice' })).toBeUndefined();
  });

  it('id_token_hint and a requested sub: that person only (login_required otherwise)', () => {
    expect(unmetDemand({ id_token_hint: hintFor('bob') }, { accountId: 'alice' })).toMatchObject({ error: 'login_required' });
    expect(unmetDemand({ id_token_hint: hintFor('alice') }, { accountId: 'alice' })).toBeUndefined();
    expect(unmetDemand({ claims: JSON.stringify({ id_token: { sub: { value: 'bob' } } }) }, { accountId: 'alice' })).toMatchObject({ error: 'login_required' });
    expect(unmetDemand({ claims: { id_token: { sub: { value: 'alice' } } } }, { accountId: 'alice' })).toBeUndefined();
  });

  it('an essential acr: met by a sign-in ending with one of its values (a passkey or a second factor gives the two-factor acr)', () => {
    expect(unmetDemand({ claims: acrClaims([ACR_TWO_FACTORS]) }, { accountId: 'alice', acr: ACR_TWO_FACTORS })).toBeUndefined();
    expect(unmetDemand({ claims: acrClaims([ACR_TWO_FACTORS, 'urn:example:other']) }, { accountId: 'alice', acr: ACR_TWO_FACTORS })).toBeUndefined();
    expect(unmetDemand({ claims: acrClaims(['urn:example:other']) }, { accountId: 'alice', acr: ACR_TWO_FACTORS })).toMatchObject({ error: 'unmet_authentication_requirements' });
    expect(unmetDemand({ claims: acrClaims([ACR_TWO_FACTORS]) }, { accountId: 'alice' })).toMatchObject({ error: 'unmet_authentication_requirements' });
    // Voluntary (not essential): not a demand here.
    expect(unmetDemand({ claims: JSON.stringify({ id_token: { acr: { values: ['urn:example:other'] } } }) }, { accountId: 'alice' })).toBeUndefined();
  });

  it('acr_values naming two factors: met by a sign-in with the two-factor acr, unmet by a password alone', () => {
    const params = { acr_values: `urn:example:other ${ACR_TWO_FACTORS}` };
    expect(unmetDemand(params, { accountId: 'alice', acr: ACR_TWO_FACTORS })).toBeUndefined();
    expect(unmetDemand(params, { accountId: 'alice' })).toEqual({
      error: 'unmet_authentication_requirements',
      error_description: 'The person has no second factor set up, and this sign-in asked for two',
    });
    // Other acr values alone ask for nothing this IdP enforces.
    expect(unmetDemand({ acr_values: 'urn:example:other' }, { accountId: 'alice' })).toBeUndefined();
  });
});
