/**
 * What a stranger can make the IdP store without signing in (each /auth an Interaction, each
 * /request a pushed request, each /session/end an anonymous Session) is bounded in JSON text:
 * the store measures the text it writes, so the adapter serialises such a record once (issue 10).
 */
import { jest } from '@jest/globals';
import { errors } from 'oidc-provider';
import { createAdapterFactory, MAX_STRANGER_RECORD_CHARS } from '../../src/oidc/adapter.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';

const interaction = (state: string) => ({ jti: 'i-1', kind: 'Interaction', params: { client_id: 'c', state }, prompt: { name: 'login', reasons: ['no_session'], details: {} } });

describe('the adapter on records strangers fill', () => {
  afterEach(() => jest.restoreAllMocks());

  it('serialises an interaction once on its way into the store', async () => {
    const adapter = createAdapterFactory(createMemoryStorage())('Interaction');
    const stringify = jest.spyOn(JSON, 'stringify');
    await adapter.upsert('i-1', interaction('s'.repeat(100)), 60);
    expect(stringify).toHaveBeenCalledTimes(1);
    expect(await adapter.find('i-1')).toMatchObject({ params: { state: 's'.repeat(100) } });
  });

  it('refuses one over the bound with invalid_request and keeps what was stored before under its id', async () => {
    const adapter = createAdapterFactory(createMemoryStorage())('Interaction');
    await adapter.upsert('i-1', interaction('before'), 60);
    const over = interaction('x'.repeat(MAX_STRANGER_RECORD_CHARS));
    const refused = adapter.upsert('i-1', over, 60);
    await expect(refused).rejects.toBeInstanceOf(errors.InvalidRequest);
    await expect(refused).rejects.toMatchObject({ error_description: 'the request is too large' });
    expect(await adapter.find('i-1')).toMatchObject({ params: { state: 'before' } });
  });

  it('refuses a pushed request one character over, and a sign-in that the account id it adds takes over', async () => {
    const storage = createMemoryStorage();
    const pushed = createAdapterFactory(storage)('PushedAuthorizationRequest');
    const request = (state: string) => ({ jti: 'p-1', kind: 'PushedAuthorizationRequest', request: state });
    const overhead = JSON.stringify(request('')).length;
    await pushed.upsert('p-1', request('x'.repeat(MAX_STRANGER_RECORD_CHARS - overhead)), 60);
    await expect(pushed.upsert('p-2', request('x'.repeat(MAX_STRANGER_RECORD_CHARS - overhead + 1)), 60)).rejects.toBeInstanceOf(errors.InvalidRequest);
    expect(await pushed.find('p-2')).toBeUndefined();
    // At the bound before the sign-in; the login result and the accountId the adapter adds go over it.
    const interactions = createAdapterFactory(storage)('Interaction');
    const page = interaction('');
    const atBound = interaction('x'.repeat(MAX_STRANGER_RECORD_CHARS - JSON.stringify(page).length));
    await interactions.upsert('i-3', atBound, 60);
    const signedIn = interactions.upsert('i-3', { ...atBound, result: { login: { accountId: 'acct' } } }, 60);
    await expect(signedIn).rejects.toBeInstanceOf(errors.InvalidRequest);
    expect(await interactions.find('i-3')).toEqual(atBound);
  });

  it('takes one exactly at the bound, and bounds a session nobody signed in on but not a signed-in one', async () => {
    const storage = createMemoryStorage();
    const interactions = createAdapterFactory(storage)('Interaction');
    const base = JSON.stringify(interaction('')).length;
    await interactions.upsert('i-2', interaction('x'.repeat(MAX_STRANGER_RECORD_CHARS - base)), 60);
    expect(JSON.stringify(await interactions.find('i-2'))).toHaveLength(MAX_STRANGER_RECORD_CHARS);
    const sessions = createAdapterFactory(storage)('Session');
    const large = { uid: 'u-1', state: { note: 'x'.repeat(MAX_STRANGER_RECORD_CHARS) } };
    await expect(sessions.upsert('s-1', large, 60)).rejects.toBeInstanceOf(errors.InvalidRequest);
    await sessions.upsert('s-2', { ...large, uid: 'u-2', accountId: 'acct' }, 60);
    expect(await sessions.find('s-2')).toMatchObject({ accountId: 'acct' });
  });
});
