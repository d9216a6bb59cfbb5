/**
 * What both identity providers under `npm run bench` are seeded with, defined once so they can't
 * drift apart: the same two confidential clients (one per ID token algorithm), the same account
 * and the same fixed password. The client secret is made per run by the harness and handed to
 * the baseline in BENCH_CLIENT_SECRET; our IdP, which runs as the production build (plain
 * JavaScript that can't import this file), gets the whole seed as JSON in BENCH_SEED.
 */
import type { ClientMetadata } from 'oidc-provider';

export const CLIENT_SECRET_ENV = 'BENCH_CLIENT_SECRET';
/** Set to 1 for the baseline (`--baseline-headers`): it then sends the IdP's security headers. */
export const BASELINE_HEADERS_ENV = 'BENCH_BASELINE_HEADERS';
export const SEED_ENV = 'BENCH_SEED';

/** Never followed: the simulated relying party reads the code from the Location header. */
export const BENCH_REDIRECT_URI = 'https://rp.bench.example/callback';

export type IdTokenAlg = 'RS256' | 'ES256';

export interface BenchClient {
  id: string;
  idTokenAlg: IdTokenAlg;
}

/** RS256 is what every OpenID provider must offer (and our default); ES256 is offered on request. */
export const BENCH_CLIENTS: readonly BenchClient[] = Object.freeze([
  { id: 'bench-rs256', idTokenAlg: 'RS256' },
  { id: 'bench-es256', idTokenAlg: 'ES256' },
]);

export const BENCH_ACCOUNT = Object.freeze({
  email: 'bench@example.com',
  password: 'correct-horse-battery-staple',
  name: 'Bench Person',
  givenName: 'Bench',
  familyName: 'Person',
});

/**
 * The API both servers issue client_credentials tokens for (RFC 8707 resource indicator): the same
 * identifier, scope, lifetime and token kind on both, a JWT access token (RFC 9068) signed RS256.
 * Ours keeps it as a resource server (src/client-apps/resource-servers.ts); the baseline answers it
 * from features.resourceIndicators.getResourceServerInfo.
 */
export const BENCH_RESOURCE = Object.freeze({ identifier: 'https://api.bench.example/', name: 'Bench API', scope: 'bench:read' });

/**
 * The registration both servers keep: a browser client (authorization_code with refresh tokens)
 * that may also get tokens of its own with client_credentials.
 */
export function benchClientMetadata(client: BenchClient, secret: string): ClientMetadata {
  return {
    client_id: client.id,
    client_secret: secret,
    client_name: `Bench ${client.idTokenAlg}`,
    redirect_uris: [BENCH_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: client.idTokenAlg,
  };
}

export function benchClientSecret(env: Record<string, string | undefined>): string {
  const secret = env[CLIENT_SECRET_ENV];
  if (!secret) throw new Error(`${CLIENT_SECRET_ENV} is not set: start this server through \`npm run bench\``);
  return secret;
}

/**
 * Our IdP's seed, as bench/our-idp.mjs reads it from SEED_ENV: the account with its plaintext
 * password (hashed there, through the IdP's own code), the clients' registrations, secret
 * included, so it is as secret as CLIENT_SECRET_ENV and never recorded, and the API.
 */
export interface BenchSeed {
  account: typeof BENCH_ACCOUNT;
  clients: ClientMetadata[];
  resourceServer: typeof BENCH_RESOURCE;
}

export function benchSeed(secret: string): BenchSeed {
  return { account: BENCH_ACCOUNT, clients: BENCH_CLIENTS.map((client) => benchClientMetadata(client, secret)), resourceServer: BENCH_RESOURCE };
}
