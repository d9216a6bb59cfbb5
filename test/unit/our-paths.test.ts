import Router from '@koa/router';
import { ourPaths, providerPath } from '../../src/http/our-paths.js';

// Shaped like our routers (case-sensitive, as ours are): a root router with exact paths, a
// prefixed one with params and a router.use() guard, and a path under /.well-known beside the
// provider's discovery document.
function routers(): Router[] {
  const home = new Router({ sensitive: true });
  home.get('/', () => undefined);
  home.get('/healthz', () => undefined);
  const webfinger = new Router({ sensitive: true });
  webfinger.get('/.well-known/webfinger', () => undefined);
  const interactions = new Router({ prefix: '/interaction', sensitive: true });
  interactions.use(async (_ctx, next) => next());
  interactions.post('/:uid/login', () => undefined);
  return [home, webfinger, interactions];
}

describe('ourPaths: which requests our routers may answer', () => {
  const isOurs = ourPaths(routers());

  it.each(['/', '/healthz', '/healthz/', '/.well-known/webfinger', '/interaction/abc/login', '/interaction/abc/confirm', '/interaction'])(
    'takes %s, as the router would match it (trailing slash, router.use prefixes, any method)',
    (path) => {
      expect(isOurs(path)).toBe(true);
    },
  );

  it.each(['/.well-known/openid-configuration', '/jwks', '/token', '/token/introspection', '/me', '/auth', '/reg/abc', '/session/end', '/healthzz', '/interactions', '/HEALTHZ'])(
    'leaves %s to the provider',
    (path) => {
      expect(isOurs(path)).toBe(false);
    },
  );

  it('follows the routers\' own options: a case-insensitive router takes any case', () => {
    const loose = new Router();
    loose.get('/healthz', () => undefined);
    expect(ourPaths([loose])('/HEALTHZ')).toBe(true);
  });

  it('routes a path added to a router later without a list kept by hand', () => {
    const [home, ...rest] = routers();
    home!.get('/status', () => undefined);
    expect(ourPaths([home!, ...rest])('/status')).toBe(true);
  });
});

describe('providerPath: a path as oidc-provider routes it', () => {
  it.each([
    ['/auth', '/auth'],
    ['/AUTH', '/auth'],
    ['/Auth/', '/auth'],
    ['/reg/', '/reg'],
    ['/', '/'],
    ['/auth//', '/auth/'],
  ])('reads %s as %s', (path, expected) => {
    expect(providerPath(path)).toBe(expected);
  });
});
