/**
 * Credentials as an attacker holds them: real tokens and copies of them cut, padded or with a
 * flipped character, junk JWTs, and client authentication right, wrong, doubled or in two places.
 */
import type { Pairs } from './encode.js';
import { junkHeaderValue } from './build.js';
import { junkJwt, junkText, junkValue } from './junk.js';
import type { Random } from './random.js';
import type { Client, FuzzWorld } from './world.js';

/** Real tokens, cut, padded or bit-flipped copies of them, and junk. */
export function someToken(random: Random, world: FuzzWorld): string {
  const real = random.pick(Object.values(world.tokens));
  switch (random.int(0, 7)) {
    case 0:
      return real;
    case 1:
      return real.slice(0, random.int(0, real.length - 1));
    case 2:
      return `${real}${random.pick(['.', '=', 'A', '..', ' '])}`;
    case 3: {
      const at = random.int(0, real.length - 1);
      return `${real.slice(0, at)}${real[at] === 'A' ? 'B' : 'A'}${real.slice(at + 1)}`;
    }
    case 4:
      return junkJwt(random);
    default:
      return junkText(random);
  }
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Client authentication: right, wrong, in the header, in the body, both, twice, or none. */
export function clientAuth(random: Random, world: FuzzWorld, client: Client = world.clients.siteA): { headers: [string, string][]; pairs: Pairs } {
  switch (random.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      return { headers: [['Authorization', basic(client.id, client.secret)]], pairs: [] };
    case 3:
      return { headers: [], pairs: [['client_id', client.id], ['client_secret', random.chance(0.5) ? client.secret : junkValue(random)]] };
    case 4:
      return { headers: [['Authorization', basic(client.id, client.secret)]], pairs: [['client_id', random.chance(0.5) ? client.id : junkValue(random)], ['client_secret', client.secret]] };
    case 5:
      return {
        headers: [['Authorization', random.pick([
          `Basic ${Buffer.from(junkText(random)).toString('base64')}`,
          `Basic ${Buffer.from(`${client.id}`).toString('base64')}`,
          `Basic ${Buffer.from(`${client.id}:%zz`).toString('base64')}`,
          `Basic ${Buffer.from(`:${client.secret}`).toString('base64')}`,
          'Basic ====',
          `basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
          `Basic  ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
          junkHeaderValue(random),
        ])]],
        pairs: [],
      };
    case 6:
      return { headers: [['Authorization', basic(client.id, client.secret)], ['Authorization', basic(world.clients.siteB.id, world.clients.siteB.secret)]], pairs: [] };
    case 7:
      return { headers: [], pairs: [['client_id', client.id], ['client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'], ['client_assertion', junkJwt(random)]] };
    case 8:
      return { headers: [], pairs: [['client_id', random.pick([client.id, world.clients.thirdParty.id, 'account-console', junkText(random)])]] };
    default:
      return { headers: [], pairs: [] };
  }
}
