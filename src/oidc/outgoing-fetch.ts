/**
 * The fetch oidc-provider uses for its own outgoing requests: back-channel logout, jwks_uri,
 * sector_identifier_uri, request_uri. Since 9.7 oidc-provider passes a dispatcher that drops a
 * connection to a loopback or other special-use address (SSRF guard) once it is made.
 *
 * - Demo mode only: the origins in `demoSiteOrigins` (config DEMO_SITE_ORIGINS, the seeded sample
 *   sites on loopback) go without the guard, through the loopback resolver (`*.localhost`, RFC
 *   6761), and without following redirects, so the exception is exactly those origins. Anything
 *   else a registered app names (`jwks_uri: http://127.1/`, `http://evil.localhost/`) is not a
 *   demo site.
 * - Always: a URL whose host is this machine (a loopback name, 127.0.0.0/8 or 0.0.0.0/8 in any
 *   spelling the URL parser accepts, ::1, ::, their IPv4-mapped forms) is refused before
 *   connecting, and so is any other special-use address written as an IP (private networks,
 *   link-local with the cloud metadata service, documentation ranges: the guard's own list). The
 *   guard acts only after the connection is made (for https, after the TLS handshake), which
 *   already reaches the service; a host that accepts TCP but never completes TLS read as a timeout
 *   and was tried again for days (an attacking review). The WHATWG URL parser has turned 127.1
 *   and 0x7f.0.0.1 into 127.0.0.1 by now.
 * - Everything else goes through our agent (guardedLookup: a name resolving to a special-use
 *   address is refused before connecting too), with oidc-provider's guard applied to it as well.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import type { Configuration } from 'oidc-provider';
// The list oidc-provider's guard applies to every connection it makes (no exports map: a deep import, typed in engine-ssrf-guard.d.ts).
import { applySSRFProtection, isSpecialUseIP } from 'oidc-provider/lib/helpers/fetch_request.js';
import { createLoopbackFetch, isLocalhostName } from '../http/loopback-resolver.js';

type OutgoingFetch = NonNullable<Configuration['fetch']>;

/** Why the IdP won't connect to `hostname`, or undefined. */
export function localHostRefusal(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isLocalhostName(host)) return `${hostname} is a loopback name`;
  // The guard's list has this machine's addresses (127.0.0.0/8, 0.0.0.0/8, ::1, ::) and the rest.
  if ((isIPv4(host) || isIPv6(host)) && isSpecialUseIP(mappedIPv4(host) ?? host)) return `${hostname} is a special-use IP address`;
  return undefined;
}

/** The IPv4 address of an IPv4-mapped IPv6 one as the URL parser writes it (::ffff:a00:1), dotted. */
function mappedIPv4(host: string): string | undefined {
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(host);
  if (!mapped) return undefined;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** dns.lookup's shape, always asked for every address. */
export type Resolve = (hostname: string, options: LookupOptions & { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A drop-in for dns.lookup that refuses a name resolving to a special-use address (any of its
 * addresses) before a connection is made: the engine's guard drops such a connection only once
 * made, for https after the TLS handshake, so an internal host:port named by DNS was reached at
 * every attempt, and one that never completes TLS read as a timeout, retried for days (found by
 * an attacking review). The guard stays behind it (a name resolved again between the two).
 */
export function guardedLookup(resolve: Resolve = systemLookup as unknown as Resolve) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.some(({ address }) => isSpecialUseIP(address))) {
        return callback(Object.assign(new Error(`refused before connecting: ${hostname} resolves to a special-use IP address`), { code: 'ESPECIALUSE' }), []);
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}

type Send = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
type FetchWith = (input: string | URL | Request, init: RequestInit & { dispatcher: unknown }) => Promise<Response>;

/**
 * fetch with an agent that connects through `lookup`. The agent is of the undici the global fetch
 * runs on (its global dispatcher's class, found as oidc-provider finds it for its guard), since
 * an agent of another undici version may not work with it; where there is none (jest's module
 * sandbox), the npm undici's fetch with its own agent.
 */
async function fetchThrough(lookup: ReturnType<typeof guardedLookup>): Promise<Send> {
  void globalThis.Response; // loads Node's undici, which registers its global dispatcher
  const global = (globalThis as Record<symbol, { constructor: new (options: object) => object } | undefined>)[Symbol.for('undici.globalDispatcher.1')];
  const { Agent, fetch } = global ? { Agent: global.constructor, fetch: globalThis.fetch } : await import('undici');
  const agent = applySSRFProtection(new Agent({ connect: { lookup: lookup as never } }));
  return (input, init) => (fetch as unknown as FetchWith)(input, { ...(init ?? {}), dispatcher: agent });
}

/** What fetch follows (WHATWG Fetch "redirect status"), and how many at most. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

const refused = (why: string) => new TypeError('fetch failed', { cause: new Error(`refused before connecting: ${why}`) });

/**
 * `resolve`: the name resolver (tests give their own; the system's otherwise). `send`: what sends
 * each request in place of the guarded agent (tests of the redirects).
 */
export function createOutgoingFetch(options: { demoSiteOrigins: readonly string[]; resolve?: Resolve; send?: Send }): OutgoingFetch {
  const demoSites = new Set(options.demoSiteOrigins);
  const loopbackFetch = createLoopbackFetch();
  let guarded: Promise<Send> | undefined;

  /**
   * Follows redirects here, each hop's host checked as the first one's: an IP written in a
   * Location is never looked up, so the lookup's check never saw it, and fetch followed a public
   * jwks_uri's 302 to an internal address (the connection made, TLS begun, before the engine's
   * guard; found by an attacking review). The rest as fetch does it: 303 (and 301/302 of a POST)
   * go on as GET without a body, at most 20 hops.
   */
  async function followChecked(send: Send, first: URL, init: RequestInit): Promise<Response> {
    let url = first;
    let request: RequestInit = { ...init, redirect: 'manual' };
    for (let hops = 0; ; hops += 1) {
      const response = await send(url, request);
      const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      if (hops === MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error('URL scheme must be a HTTP(S) scheme') });
      const refusal = localHostRefusal(url.hostname);
      if (refusal) throw refused(refusal);
      const method = (request.method ?? 'GET').toUpperCase();
      if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
        const { body: _body, ...rest } = request;
        request = { ...rest, method: 'GET' };
      }
    }
  }
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (demoSites.has(url.origin)) {
      const { dispatcher: _ssrfGuard, redirect, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      // A redirect would leave the listed origin without the guard: hand it back (back-channel
      // logout asks for 'manual') or fail.
      return loopbackFetch(url, { ...rest, redirect: redirect === 'manual' ? 'manual' : 'error' });
    }
    const refusal = localHostRefusal(url.hostname);
    // The shape fetch itself rejects with for a network failure, so callers handle it as one.
    if (refusal) throw refused(refusal);
    // Our agent in place of the engine's guarded dispatcher: the same guard, and names checked before connecting.
    const { dispatcher: _enginesGuard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    guarded ??= options.send ? Promise.resolve(options.send) : fetchThrough(guardedLookup(options.resolve));
    const send = await guarded;
    if ((rest.redirect ?? 'follow') !== 'follow') return send(input, rest);
    // The engine passes a URL; a Request's redirects are not followed unchecked either.
    if (input instanceof Request) return send(input, { ...rest, redirect: 'error' });
    return followChecked(send, url, rest);
  };
}
