/**
 * The address a limit counts against. IPv4 as it is (an IPv4-mapped IPv6 address is the same
 * host); IPv6 by its /64 prefix, because one subscriber or one cloud VM usually has a whole /64
 * (RFC 6177) and could otherwise rotate through 2^64 addresses, one per guess.
 */
import { isIP } from 'node:net';

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** An IPv4-mapped IPv6 address in either spelling (::ffff:1.2.3.4, ::ffff:102:304), as IPv4. */
function mappedIPv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * Proxies write the client address in their own ways ([2001:db8::1], 203.0.113.7:51234): the
 * brackets and a port would make every connection its own source, so they go first.
 */
function bareAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)?.[1];
  if (bracketed) return bracketed;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address)?.[1];
  return (withPort ?? address).replace(/%.*$/, '');
}

export function sourceKey(address: string): string {
  const bare = bareAddress(address.trim());
  const mapped = mappedIPv4(bare);
  if (mapped) return mapped;
  if (isIP(bare) !== 6) return bare;
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}
