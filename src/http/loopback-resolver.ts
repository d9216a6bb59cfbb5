/**
 * RFC 6761 section 6.3: names under `localhost.` are loopback names and resolvers should answer
 * them with the loopback address themselves. Browsers do; Node's getaddrinfo does not, so the
 * demo's server-to-server calls (site -> IdP, IdP -> site) use this resolver instead of
 * /etc/hosts edits.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';

export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Loopback names and literal loopback addresses (127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return isLocalhostName(host) || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A drop-in for dns.lookup: `*.localhost` -> 127.0.0.1, everything else -> the system resolver. */
export function loopbackLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (isLocalhostName(hostname)) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  systemLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) callback(error, []);
    else if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
  });
}

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * fetch() whose connections resolve `*.localhost` names to loopback. undici is loaded at the first
 * call, not before: its ~20 MiB of resident memory is the demo's (sites calling the IdP, the IdP
 * calling the demo sites), not every production IdP's (issue 10's peak-RSS target).
 */
export function createLoopbackFetch(): FetchFunction {
  let send: Promise<FetchFunction> | undefined;
  return async (input, init) => {
    send ??= import('undici').then(({ Agent, fetch }) => {
      const agent = new Agent({ connect: { lookup: loopbackLookup as never } });
      // undici's fetch and the global one share the WHATWG types but not their TS declarations.
      return (url, options) => fetch(url, { ...(options as object), dispatcher: agent }) as unknown as Promise<Response>;
    });
    return (await send)(input, init);
  };
}
