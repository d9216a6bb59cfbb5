import { hashPassword } from '../../src/accounts/passwords.js';
import { backends } from '../support/backends.js';
import { HttpClient } from '../support/http-client.js';
import { authorize, exchangeCode, pkce } from '../support/oidc-flow.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

/**
 * The `claims` authorization parameter (OpenID Connect Core 5.5) is stored verbatim in the
 * interaction, the code and the tokens, so its member names are the client's choice. Names that a
 * BSON sub-document can't carry (NUL), or that BSON reads as its own (`_bsontype`, `$ref`/`$id`),
 * made the MongoDB store fail with a 500 when the code was issued; stored as JSON text they are
 * just names (src/storage/mongo/record-document.ts).
 */
describe.each(backends())('an authorization request with a crafted claims parameter ($name)', (backend) => {
  let idp: RunningIdp;
  const client = { id: 'claims-app', secret: 'claims-app-secret-0123456789abcdefghij', redirect: 'http://claims.localhost:9/cb' };
  const email = `dora-${backend.name}@example.com`;
  beforeAll(async () => {
    const storage = await backend.open();
    idp = await startIdp({ storage });
    await idp.clients.save({ client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirect], grant_types: ['authorization_code'] }, { firstParty: true });
    await storage.accounts.create({ email, name: 'Dora', emailVerified: true, passwordHash: await hashPassword('dora-password') });
  });
  afterAll(async () => {
    await idp.stop();
    await backend.dispose();
  });

  it('issues a code and exchanges it, whatever names the claims hold', async () => {
    const claims = {
      userinfo: { 'email\u0000x': null, $where: { essential: true }, 'a.b': null, $ref: { value: 'accounts' }, $id: null, name: { essential: true } },
      id_token: { _bsontype: { value: 'ObjectId' }, constructor: null, prototype: null, email: { essential: true } },
    };
    const { verifier, challenge } = pkce();
    const params = {
      client_id: client.id, redirect_uri: client.redirect, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n',
      claims: JSON.stringify(claims).replace('"prototype":null', '"prototype":null,"__proto__":null'),
    };
    const { callback } = await authorize(new HttpClient(), { issuer: idp.issuer, params, credentials: { email, password: 'dora-password' } });
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await exchangeCode(idp.issuer, client, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: client.redirect, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.json.id_token).toEqual(expect.any(String));
  });
});
