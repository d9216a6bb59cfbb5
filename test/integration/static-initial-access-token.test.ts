import { randomBytes } from 'node:crypto';
import { backends } from '../support/backends.js';
import { registerClient } from '../support/registration.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

/** INITIAL_ACCESS_TOKEN with INITIAL_ACCESS_TOKEN_EXPIRES_AT: registration with it ends at that moment. */
const app = { client_name: 'Late app', redirect_uris: ['http://app.localhost:9/cb'] };
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

describe.each(backends())('the static initial access token with an expiry ($name)', (backend) => {
  afterAll(() => backend.dispose());

  it('is stored to expire at INITIAL_ACCESS_TOKEN_EXPIRES_AT, and a restart writes a changed expiry', async () => {
    const token = randomBytes(24).toString('base64url');
    const record = (idp: RunningIdp) => idp.storage.modelStore('InitialAccessToken').find(token);
    const stored = async (idp: RunningIdp) => (await record(idp))?.exp;

    const inAnHour = new Date(Date.now() + 3600_000);
    const first = await startIdp({ storage: await backend.open(), env: { INITIAL_ACCESS_TOKEN: token, INITIAL_ACCESS_TOKEN_EXPIRES_AT: inAnHour.toISOString() } });
    // iat is taken when the record is built: one second may pass between reading the clock and that.
    expect(await stored(first)).toBeGreaterThanOrEqual(seconds(inAnHour));
    expect(await stored(first)).toBeLessThanOrEqual(seconds(inAnHour) + 1);
    expect((await registerClient(first.issuer, token, app)).status).toBe(201);
    await first.stop();

    const inADay = new Date(Date.now() + 86_400_000);
    const second = await startIdp({ storage: await backend.open(), env: { INITIAL_ACCESS_TOKEN: token, INITIAL_ACCESS_TOKEN_EXPIRES_AT: inADay.toISOString() } });
    expect(await stored(second)).toBeGreaterThanOrEqual(seconds(inADay));
    await second.stop();

    const third = await startIdp({ storage: await backend.open(), env: { INITIAL_ACCESS_TOKEN: token } });
    expect(await record(third)).toMatchObject({ jti: token });
    expect(await stored(third)).toBeUndefined();
    await third.stop();
  });

  it('answers 401 invalid_token once the expiry has passed', async () => {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + 2000);
    const idp = await startIdp({ storage: await backend.open(), env: { INITIAL_ACCESS_TOKEN: token, INITIAL_ACCESS_TOKEN_EXPIRES_AT: expiresAt.toISOString() } });
    try {
      // The stored exp is in whole seconds and a record is expired once its second has passed.
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 1100));
      const reply = await registerClient(idp.issuer, token, app);
      expect(reply.status).toBe(401);
      expect(reply.json.error).toBe('invalid_token');
    } finally {
      await idp.stop();
    }
  });
});
