import { checkClientPolicy } from '../../src/client-apps/registration-policy.js';

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

  it('limits contacts', () => {
    const contacts = Array.from({ length: 11 }, (_v, n) => `ops${n}@example.com`);
    expect(checkClientPolicy(web('https://a.example/cb', { contacts }), production)?.error).toBe('invalid_client_metadata');
  });
});
