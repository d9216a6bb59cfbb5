/**
 * The address a limit counts against. IPv4 as it is (an IPv4-mapped IPv6 address is the same
 * host); IPv6 by its /64 prefix, because one subscriber or one cloud VM usually has a whole /64
 * (RFC 6177) and could otherwise rotate through 2^64 addresses, one per guess.
 */
import { isIPv6 } from 'node:net';

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  if (mapped) return mapped;
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare) || bare.includes('.')) return bare;
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}
