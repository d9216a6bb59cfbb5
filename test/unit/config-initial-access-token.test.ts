import { loadConfig } from '../../src/config.js';

const TOKEN = { NODE_ENV: 'development', INITIAL_ACCESS_TOKEN: 'Qm9vdHN0cmFwLXRva2VuLWZvci10ZXN0cy0wMTIzNDU2Nzg5' };
const inAnHour = () => new Date(Date.now() + 3600_000);

describe('loadConfig: INITIAL_ACCESS_TOKEN_EXPIRES_AT', () => {
  it('is unset by default: the static token never expires', () => {
    expect(loadConfig(TOKEN).initialAccessTokenExpiresAt).toBeUndefined();
  });

  it('reads an ISO 8601 date-time with a time zone', () => {
    const at = inAnHour();
    expect(loadConfig({ ...TOKEN, INITIAL_ACCESS_TOKEN_EXPIRES_AT: at.toISOString() }).initialAccessTokenExpiresAt).toEqual(at);
    expect(loadConfig({ ...TOKEN, INITIAL_ACCESS_TOKEN_EXPIRES_AT: '2999-01-31T18:00+01:00' }).initialAccessTokenExpiresAt).toEqual(new Date('2999-01-31T17:00:00Z'));
    expect(loadConfig({ ...TOKEN, INITIAL_ACCESS_TOKEN_EXPIRES_AT: '2999-01-31t18:00:00.5z' }).initialAccessTokenExpiresAt).toEqual(new Date('2999-01-31T18:00:00.500Z'));
  });

  it.each([
    ['no time zone', '2999-01-31T18:00:00'],
    ['a date only', '2999-01-31'],
    ['a day that does not exist', '2999-02-30T00:00:00Z'],
    ['hour 24', '2999-01-31T24:00:00Z'],
    ['a number of seconds', '3600'],
    ['words', 'next tuesday'],
  ])('refuses a value with %s', (_what, value) => {
    expect(() => loadConfig({ ...TOKEN, INITIAL_ACCESS_TOKEN_EXPIRES_AT: value })).toThrow(/INITIAL_ACCESS_TOKEN_EXPIRES_AT must be an ISO 8601 date-time with a time zone/);
  });

  it('refuses a moment in the past', () => {
    expect(() => loadConfig({ ...TOKEN, INITIAL_ACCESS_TOKEN_EXPIRES_AT: new Date(Date.now() - 1000).toISOString() })).toThrow(/INITIAL_ACCESS_TOKEN_EXPIRES_AT is in the past/);
  });

  it('refuses an expiry without a token to expire', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', INITIAL_ACCESS_TOKEN_EXPIRES_AT: inAnHour().toISOString() })).toThrow(/INITIAL_ACCESS_TOKEN_EXPIRES_AT needs INITIAL_ACCESS_TOKEN/);
  });
});
