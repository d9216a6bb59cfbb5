import Router from '@koa/router';
import { jest } from '@jest/globals';
import { KEPT_PATHS, KEPT_TARGET_LENGTH, ourPaths, providerPath } from '../../src/http/our-paths.js';

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

describe('ourPaths keeps its answers, within bounds', () => {
  /** The routers, with a count of how often any of their layers was asked to match. */
  function counted() {
    const all = routers();
    const matches = all.flatMap((router) => router.stack).map((layer) => jest.spyOn(layer, 'match'));
    const asked = () => matches.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    return { isOurs: ourPaths(all), asked };
  }

  it('walks the routers once per path, then answers the same from memory', () => {
    const { isOurs, asked } = counted();
    expect([isOurs('/me'), isOurs('/interaction/abc/login')]).toEqual([false, true]);
    const afterFirst = asked();
    expect(afterFirst).toBeGreaterThan(0);
    expect([isOurs('/me'), isOurs('/interaction/abc/login'), isOurs('/me')]).toEqual([false, true, false]);
    expect(asked()).toBe(afterFirst);
  });

  it('starts again when full, so endless distinct paths cannot grow it, and answers stay right', () => {
    const { isOurs, asked } = counted();
    isOurs('/me');
    for (let n = 0; n < KEPT_PATHS; n += 1) expect(isOurs(`/interaction/uid-${n}/login`)).toBe(true);
    const beforeAgain = asked();
    expect(isOurs('/me')).toBe(false);
    expect(asked()).toBeGreaterThan(beforeAgain);
  });

  it('never keeps the answer for a long request target, path or query: it is matched each time', () => {
    const { isOurs, asked } = counted();
    const longPath = `/interaction/${'a'.repeat(KEPT_TARGET_LENGTH)}/login`;
    const shortPathLongQuery = ['/interaction/abc/login', `/interaction/abc/login?q=${'a'.repeat(KEPT_TARGET_LENGTH)}`] as const;
    for (const [path, target] of [[longPath, longPath], shortPathLongQuery]) {
      expect(isOurs(path, target)).toBe(true);
      const afterFirst = asked();
      expect(isOurs(path, target)).toBe(true);
      expect(asked()).toBeGreaterThan(afterFirst);
    }
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
