/**
 * Issue 9 item 3: two IdP instances starting together on an empty store end with one key set,
 * not two that each sign what the other rejects. Runs on the memory store always and on MongoDB
 * (two connections to one fresh database) when MONGODB_URI is set.
 */
import { ensureKeys } from '../../src/oidc/key-ring.js';
import { backends } from '../support/backends.js';

describe.each(backends())('first start on an empty store ($name)', (backend) => {
  afterAll(() => backend.dispose());

  it('writes one key set when two instances start at the same moment', async () => {
    const [one, two] = [await backend.open(), await backend.open()];
    await Promise.all([ensureKeys(one.keys), ensureKeys(two.keys)]);
    const [signing, cookies] = [await one.keys.list('signing'), await two.keys.list('cookie')];
    expect(signing.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(cookies).toHaveLength(1);
    expect((await two.keys.list('signing')).map((key) => key.id).sort()).toEqual(signing.map((key) => key.id).sort());
  });
});
