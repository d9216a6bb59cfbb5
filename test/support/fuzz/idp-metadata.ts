/**
 * What the IdP publishes (discovery, JWKS, WebFinger, the home page and health checks) asked with
 * odd methods, CORS preflights and odd headers, plus addresses that only look like endpoints.
 */
import { junkHeaderValue, mutate, query, request, type Surface } from './build.js';
import { junkJson, junkText } from './junk.js';

const METADATA_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/openid-configuration',
  '/jwks',
  '/jwks',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration/',
  '/.well-known/openid-configuration?x=%zz',
  '/jwks.json',
  '/',
  '/healthz',
  '/readyz',
  '/assets/site.css',
  '/assets/../package.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/device',
  '/request',
  '/backchannel',
  '/session/end/success',
  '/reg',
  '/token/introspection',
];

const metadata: Surface = {
  name: 'idp metadata and odd paths',
  weight: 5,
  async make(random, world) {
    const method = random.pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND']);
    const target = random.pick(METADATA_PATHS);
    const headers: [string, string][] = method === 'OPTIONS' ? [['Origin', random.pick([world.siteA.origin, 'http://evil.example', 'null'])], ['Access-Control-Request-Method', random.pick(['GET', 'POST', 'DELETE', junkHeaderValue(random)])], ['Access-Control-Request-Headers', random.pick(['authorization', 'x-junk', junkHeaderValue(random)])]] : [];
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? JSON.stringify(junkJson(random, 3)) : undefined;
    const discovery = method === 'GET' && /^\/(?:\.well-known\/openid-configuration|jwks)$/.test(target);
    return request(random, world, { surface: discovery ? 'idp GET discovery, jwks' : 'idp metadata, other', server: 'idp', method, target, headers, body, contentType: body ? 'application/json' : undefined, expect: discovery ? 'oauth' : 'any' });
  },
};

const webfinger: Surface = {
  name: 'idp /.well-known/webfinger',
  weight: 3,
  async make(random, world) {
    const pairs = mutate(random, [['resource', random.pick([`acct:alice@${world.idp.host.split(':')[0]}`, `https://${world.idp.host}/`, 'acct:nobody@example.com'])], ['rel', 'http://openid.net/specs/connect/1.0/issuer']], {
      resource: (r) => r.pick(['acct:', 'acct:@', 'acct:a@b@c', 'https://', 'mailto:alice@example.com', 'acct:alice@idp.localhost/../x', junkText(r)]),
      rel: (r) => junkText(r),
    });
    const method = random.pick(['GET', 'GET', 'GET', 'HEAD', 'POST']);
    return request(random, world, { surface: `idp ${method === 'GET' ? 'GET' : 'other'} /.well-known/webfinger`, server: 'idp', method, target: `/.well-known/webfinger${query(pairs)}`, expect: 'any' });
  },
};

export const IDP_METADATA_SURFACES: Surface[] = [metadata, webfinger];
