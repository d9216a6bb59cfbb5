import { checkClientNames, checkClientPolicy, createRegistrationPolicy } from '../../src/client-apps/registration-policy.js';

const production = { allowHttpLoopback: false };
const development = { allowHttpLoopback: true };
const web = (redirect: string, extra: Record<string, unknown> = {}) => ({ redirect_uris: [redirect], ...extra });

describe('checkClientPolicy', () => {
  it('accepts https redirect URIs everywhere', () => {
    expect(checkClientPolicy(web('https://app.example.com/cb'), production)).toBeUndefined();
  });

  it('accepts http on loopback and *.localhost only outside production', () => {
    for (const uri of ['http://localhost:8080/cb', 'http://app.localhost/cb', 'http://127.0.0.1:9/cb']) {
      expect(checkClientPolicy(web(uri), development)).toBeUndefined();
      expect(checkClientPolicy(web(uri), production)).toMatchObject({ error: 'invalid_redirect_uri', description: expect.stringMatching(/must use https/) });
    }
  });

  it('lets native apps use a loopback IP literal and a reverse-domain private scheme in production (RFC 8252)', () => {
    expect(checkClientPolicy(web('http://127.0.0.1:51234/cb', { application_type: 'native' }), production)).toBeUndefined();
    expect(checkClientPolicy(web('com.example.app:/oauth2redirect', { application_type: 'native' }), production)).toBeUndefined();
    expect(checkClientPolicy(web('myapp:/cb', { application_type: 'native' }), production)?.error).toBe('invalid_redirect_uri');
    expect(checkClientPolicy(web('com.example.app:/cb'), production)?.error).toBe('invalid_redirect_uri');
  });

  it('rejects credentials in a URI and non-http schemes for web apps', () => {
    expect(checkClientPolicy(web('https://user:pw@app.example.com/cb'), production)?.description).toMatch(/credentials/);
    expect(checkClientPolicy(web('javascript:alert(1)'), production)?.error).toBe('invalid_redirect_uri');
  });

  it('refuses any URI with a character a browser would drop or escape: controls, spaces, non-ASCII', () => {
    for (const uri of ['https://app.example.com/cb\r\nSet-Cookie: x=1', 'https://login.app.example\t.evil.example/cb', 'https://app.example.com/cb\u0000', 'https://app.example.com/a b', 'https://app.example.com/cb\u007f', 'https://bücher.example/cb']) {
      expect([uri, checkClientPolicy(web(uri), production)?.error]).toEqual([uri, 'invalid_redirect_uri']);
      expect(checkClientPolicy(web('https://app.example.com/cb', { post_logout_redirect_uris: [uri] }), production)?.error).toBe('invalid_client_metadata');
      expect(checkClientPolicy(web('https://app.example.com/cb', { logo_uri: uri }), production)?.error).toBe('invalid_client_metadata');
    }
    // Percent-encoded and punycode, as RFC 3986 spells them, are fine.
    expect(checkClientPolicy(web('https://xn--bcher-kva.example/a%20b?x=%C3%BC'), production)).toBeUndefined();
  });

  it('applies the URI rules to post-logout and back-channel logout URIs with invalid_client_metadata', () => {
    expect(checkClientPolicy(web('https://a.example/cb', { post_logout_redirect_uris: ['https://*.example/bye'] }), production)).toMatchObject({ error: 'invalid_client_metadata' });
    expect(checkClientPolicy(web('https://a.example/cb', { backchannel_logout_uri: 'http://a.example/bcl' }), production)).toMatchObject({ error: 'invalid_client_metadata' });
    expect(checkClientPolicy(web('https://a.example/cb', { post_logout_redirect_uris: 'https://a.example/bye' }), production)).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it.each(['jwks_uri', 'sector_identifier_uri'])('applies the URI rules to %s, which the IdP fetches itself', (field) => {
    const app = (uri: string) => web('https://a.example/cb', { [field]: uri });
    expect(checkClientPolicy(app('https://a.example/keys.json'), production)).toBeUndefined();
    expect(checkClientPolicy(app('http://a.localhost:9/keys.json'), development)).toBeUndefined();
    for (const [uri, reason] of [
      ['http://a.example/keys.json', /must use https/],
      ['http://a.localhost:9/keys.json', /must use https/],
      ['https://user:pw@a.example/keys.json', /credentials/],
      ['https://a.example/keys.json#k', /fragment/],
      ['https://*.example/keys.json', /wildcards/],
      [`https://a.example/${'k'.repeat(2000)}`, /at most 2000 characters/],
      ['file:///etc/passwd', /scheme/],
    ] as const) {
      expect(checkClientPolicy(app(uri), production)).toEqual({ error: 'invalid_client_metadata', description: expect.stringMatching(reason) });
    }
    expect(checkClientPolicy(app('http://a.example/keys.json'), development)?.description).toMatch(new RegExp(`^${field} entry`));
  });

  // String() of an object whose toString isn't a function throws: a 500 at POST /reg (found by
  // test/integration/fuzz.test.ts).
  it('refuses an auth method or grant type that is not a string, without throwing', () => {
    const unprintable = { toString: '' };
    expect(checkClientPolicy(web('https://app.example.com/cb', { token_endpoint_auth_method: unprintable }), production)?.error).toBe('invalid_client_metadata');
    expect(checkClientPolicy(web('https://app.example.com/cb', { grant_types: ['authorization_code', unprintable] }), production)?.error).toBe('invalid_client_metadata');
    expect(checkClientPolicy(web('https://app.example.com/cb', { grant_types: [Object.create(null)] }), production)?.error).toBe('invalid_client_metadata');
  });

  it('limits contacts: at most 10, each at most 254 characters', () => {
    const contacts = Array.from({ length: 11 }, (_v, n) => `ops${n}@example.com`);
    expect(checkClientPolicy(web('https://a.example/cb', { contacts }), production)?.error).toBe('invalid_client_metadata');
    const address = (length: number) => `${'a'.repeat(length - '@example.com'.length)}@example.com`;
    expect(checkClientPolicy(web('https://a.example/cb', { contacts: [address(254)] }), production)).toBeUndefined();
    expect(checkClientPolicy(web('https://a.example/cb', { contacts: ['ops@example.com', address(255)] }), production)).toEqual({
      error: 'invalid_client_metadata',
      description: 'contacts entries must be at most 254 characters',
    });
  });

  it('limits the URIs shown to people (client_uri, logo_uri, policy_uri, tos_uri, initiate_login_uri), language-tagged ones too', () => {
    const long = `https://app.example.com/${'p'.repeat(2000)}`;
    for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri', 'initiate_login_uri', 'tos_uri#ja', 'logo_uri#en-GB']) {
      expect(checkClientPolicy(web('https://app.example.com/cb', { [field]: 'https://app.example.com/page' }), production)).toBeUndefined();
      expect(checkClientPolicy(web('https://app.example.com/cb', { [field]: long }), production)).toEqual({ error: 'invalid_client_metadata', description: `${field} must be at most 2000 characters` });
      expect(checkClientPolicy(web('https://app.example.com/cb', { [field]: 'https://user:secret@app.example.com/' }), production)?.description).toBe(`${field} must not contain credentials`);
    }
    // Other members with such a prefix are not URIs of this kind.
    expect(checkClientPolicy(web('https://app.example.com/cb', { client_uri_note: long }), production)).toBeUndefined();
  });
});

describe('checkClientPolicy: client_credentials (RFC 6749 section 4.4, RFC 7591 section 2.1)', () => {
  const machine = (extra: Record<string, unknown> = {}) => ({ grant_types: ['client_credentials'], response_types: [], ...extra });

  it('accepts a confidential client_credentials-only client with no redirect URIs and response_types []', () => {
    expect(checkClientPolicy(machine(), production)).toBeUndefined();
    expect(checkClientPolicy(machine({ redirect_uris: [], post_logout_redirect_uris: [] }), production)).toBeUndefined();
    for (const method of ['client_secret_basic', 'client_secret_post', 'private_key_jwt']) {
      expect(checkClientPolicy(machine({ token_endpoint_auth_method: method }), production)).toBeUndefined();
    }
  });

  it('refuses the grant to a public client (token_endpoint_auth_method none)', () => {
    expect(checkClientPolicy(machine({ token_endpoint_auth_method: 'none' }), production)).toEqual({ error: 'invalid_client_metadata', description: expect.stringMatching(/confidential clients only/) });
    expect(checkClientPolicy(web('https://a.example/cb', { grant_types: ['authorization_code', 'client_credentials'], token_endpoint_auth_method: 'none' }), production)?.description).toMatch(/confidential/);
  });

  it('refuses a client_credentials-only client that omits response_types or asks for code', () => {
    expect(checkClientPolicy({ grant_types: ['client_credentials'] }, production)).toEqual({ error: 'invalid_client_metadata', description: expect.stringMatching(/response_types \[\]/) });
    expect(checkClientPolicy(machine({ response_types: ['code'] }), production)?.description).toMatch(/response_types \[\]/);
  });

  it('refuses refresh_token without authorization_code: client_credentials never issues one (RFC 6749 section 4.4.3)', () => {
    expect(checkClientPolicy(machine({ grant_types: ['client_credentials', 'refresh_token'] }), production)?.description).toMatch(/refresh_token comes only with authorization_code/);
  });

  it('refuses the URIs of browser sign-in to a client_credentials-only client', () => {
    expect(checkClientPolicy(machine({ redirect_uris: ['https://a.example/cb'] }), production)).toEqual({ error: 'invalid_redirect_uri', description: expect.stringMatching(/^redirect_uris is for clients that sign people in/) });
    expect(checkClientPolicy(machine({ post_logout_redirect_uris: ['https://a.example/bye'] }), production)?.error).toBe('invalid_client_metadata');
    expect(checkClientPolicy(machine({ backchannel_logout_uri: 'https://a.example/bcl' }), production)?.error).toBe('invalid_client_metadata');
  });

  it('still applies the fetched-URI rules to a client_credentials-only client', () => {
    expect(checkClientPolicy(machine({ jwks_uri: 'http://keys.example/jwks.json', token_endpoint_auth_method: 'private_key_jwt' }), production)?.description).toMatch(/must use https/);
  });

  it('keeps every browser rule for a client that has both grants', () => {
    const both = { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] };
    expect(checkClientPolicy(web('https://a.example/cb', both), production)).toBeUndefined();
    expect(checkClientPolicy(both, production)).toEqual({ error: 'invalid_redirect_uri', description: 'redirect_uris must list at least one URI' });
    expect(checkClientPolicy(web('http://a.example/cb', both), production)?.description).toMatch(/must use https/);
  });

  it('keeps demanding a redirect URI of a client that names no grant types (RFC 7591 default: authorization_code)', () => {
    expect(checkClientPolicy({}, production)).toEqual({ error: 'invalid_redirect_uri', description: 'redirect_uris must list at least one URI' });
    expect(checkClientPolicy({ response_types: [] }, production)?.error).toBe('invalid_redirect_uri');
  });

  it('refuses grant types it does not offer', () => {
    for (const grant of ['implicit', 'password', 'urn:ietf:params:oauth:grant-type:device_code']) {
      expect(checkClientPolicy(machine({ grant_types: ['client_credentials', grant] }), production)?.description).toMatch(/^grant_types may only contain authorization_code, refresh_token, client_credentials$/);
    }
  });
});

describe('checkClientNames', () => {
  const reserved = ['Site A', 'Your account'];

  it('checks client_name and every language-tagged variant (OpenID Connect Registration 1.0 section 2.1)', () => {
    expect(checkClientNames({ client_name: 'Site C', 'client_name#fr': 'Site C (fr)' } as never, reserved)).toBeUndefined();
    expect(checkClientNames({ client_name: 'Site C', 'client_name#fr': 'Site  A' } as never, reserved)).toEqual({
      error: 'invalid_client_metadata',
      description: expect.stringMatching(/^client_name#fr is too close to "Site A"/),
    });
    expect(checkClientNames({ 'client_name#ar': 'Site \u202eC' } as never, reserved)?.description).toMatch(/^client_name#ar must not contain/);
  });

  it('lets an update keep the name the client already has, but not take another reserved one', () => {
    expect(checkClientNames({ client_name: 'Site A' }, reserved, { client_name: 'Site A' })).toBeUndefined();
    expect(checkClientNames({ client_name: 'Your account' }, reserved, { client_name: 'Site A' })?.error).toBe('invalid_client_metadata');
  });

  it('still refuses invisible characters in a name the client already has', () => {
    expect(checkClientNames({ client_name: 'Old\u200bname' }, reserved, { client_name: 'Old\u200bname' })?.error).toBe('invalid_client_metadata');
  });

  it('limits every name to 200 characters', () => {
    expect(checkClientNames({ client_name: 'n'.repeat(200) }, reserved)).toBeUndefined();
    expect(checkClientNames({ 'client_name#de': 'n'.repeat(201) } as never, reserved)?.description).toBe('client_name#de must be at most 200 characters');
  });
});

describe('createRegistrationPolicy', () => {
  const asked: (string | undefined)[] = [];
  const policy = createRegistrationPolicy({
    allowHttpLoopback: false,
    reservedNames: {
      async list(exceptClientId) {
        asked.push(exceptClientId);
        return ['Site A'];
      },
    },
  });
  const app = (name: string) => ({ client_id: 'app-1', client_name: name, redirect_uris: ['https://a.example/cb'] });

  it('refuses a third-party app a reserved name, asking for the names of every app but itself', async () => {
    expect(await policy.check(app('site a'), { by: 'app', firstParty: false })).toMatchObject({ error: 'invalid_client_metadata' });
    expect(asked.at(-1)).toBe('app-1');
  });

  it('lets an admin give a first-party app its name, but never invisible characters', async () => {
    expect(await policy.check(app('Site A'), { by: 'admin', firstParty: true })).toBeUndefined();
    expect(await policy.check(app('Site\u202eA'), { by: 'admin', firstParty: true })).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it('lets an admin register a client_credentials client, and an app registering itself not', async () => {
    const machine = { client_id: 'svc-1', client_name: 'Reports job', grant_types: ['client_credentials'], response_types: [] };
    expect(await policy.check(machine, { by: 'admin', firstParty: false })).toBeUndefined();
    expect(await policy.check(machine, { by: 'app', firstParty: false })).toEqual({ error: 'invalid_client_metadata', description: expect.stringMatching(/registered by an admin/) });
    const both = { ...app('Site C'), grant_types: ['authorization_code', 'client_credentials'] };
    expect((await policy.check(both, { by: 'app', firstParty: false }))?.error).toBe('invalid_client_metadata');
    expect(await policy.check(both, { by: 'admin', firstParty: false })).toBeUndefined();
  });

  it('reports a URI problem before looking up names', async () => {
    const before = asked.length;
    expect(await policy.check({ ...app('Site C'), redirect_uris: ['http://a.example/cb'] }, { by: 'app', firstParty: false })).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(asked.length).toBe(before);
  });
});
