import Router from '@koa/router';
import { jest } from '@jest/globals';
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

describe('ourPaths tries only the layers a path could match', () => {
  /** The routers, with a count of how often the layers of each were asked to match. */
  function counted(all = routers()) {
    const spies = all.map((router) => router.stack.map((layer) => jest.spyOn(layer, 'match')));
    const asked = (router: number) => spies[router]!.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    return { isOurs: ourPaths(all), asked };
  }

  it('tries a path only against the layers of its first segment', () => {
    const { isOurs, asked } = counted();
    expect(isOurs('/interaction/abc/login')).toBe(true);
    expect([asked(0), asked(1)]).toEqual([0, 0]);
    expect(asked(2)).toBeGreaterThan(0);
  });

  it("asks no layer with a plain first segment about the provider's paths, each sign-in's own included", () => {
    const [home, interactions] = [new Router({ sensitive: true }), new Router({ prefix: '/interaction', sensitive: true })];
    home.get('/', () => undefined);
    home.get('/healthz', () => undefined);
    interactions.post('/:uid/login', () => undefined);
    const { isOurs, asked } = counted([home, interactions]);
    for (const path of ['/token', '/me', '/auth/abc', '/jwks', '/.well-known/openid-configuration']) expect(isOurs(path)).toBe(false);
    expect([asked(0), asked(1)]).toEqual([0, 0]);
  });

  it('tries every path against a layer whose first segment is a parameter, a pattern or a RegExp', () => {
    const byParameter = new Router();
    byParameter.get('/:lang/about', () => undefined);
    const byRegExp = new Router();
    byRegExp.get(/^\/files-\d+$/, () => undefined);
    const isOurs = ourPaths([byParameter, byRegExp]);
    expect([isOurs('/en/about'), isOurs('/files-12'), isOurs('/en/contact'), isOurs('/files-x')]).toEqual([true, true, false, false]);
  });

  it("keeps each router's case: a case-sensitive prefix is not matched in another case", () => {
    expect(ourPaths(routers())('/Interaction/abc/login')).toBe(false);
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
