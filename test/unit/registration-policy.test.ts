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

  it('limits contacts', () => {
    const contacts = Array.from({ length: 11 }, (_v, n) => `ops${n}@example.com`);
    expect(checkClientPolicy(web('https://a.example/cb', { contacts }), production)?.error).toBe('invalid_client_metadata');
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
    expect(await policy.check(app('site a'), { firstParty: false })).toMatchObject({ error: 'invalid_client_metadata' });
    expect(asked.at(-1)).toBe('app-1');
  });

  it('lets an admin give a first-party app its name, but never invisible characters', async () => {
    expect(await policy.check(app('Site A'), { firstParty: true })).toBeUndefined();
    expect(await policy.check(app('Site\u202eA'), { firstParty: true })).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it('reports a URI problem before looking up names', async () => {
    const before = asked.length;
    expect(await policy.check({ ...app('Site C'), redirect_uris: ['http://a.example/cb'] }, { firstParty: false })).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(asked.length).toBe(before);
  });
});
