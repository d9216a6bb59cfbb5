/**
 * What both identity providers under `npm run bench` are seeded with, defined once so they can't
 * drift apart: the same two confidential clients (one per ID token algorithm), the same account
 * and the same fixed password. The client secret is made per run by the harness and handed to
 * the baseline in BENCH_CLIENT_SECRET; our IdP, which runs as the production build (plain
 * JavaScript that can't import this file), gets the whole seed as JSON in BENCH_SEED.
 */
import type { ClientMetadata } from 'oidc-provider';

export const CLIENT_SECRET_ENV = 'BENCH_CLIENT_SECRET';
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
 * The registration both servers keep. client_credentials is left out: our IdP does not offer that
 * grant yet (the management issue adds it); bench/operations.ts skips its row until both
 * servers' discovery lists it.
 */
export function benchClientMetadata(client: BenchClient, secret: string): ClientMetadata {
  return {
    client_id: client.id,
    client_secret: secret,
    client_name: `Bench ${client.idTokenAlg}`,
    redirect_uris: [BENCH_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
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
 * password (hashed there, through the IdP's own code) and the clients' registrations, secret
 * included, so it is as secret as CLIENT_SECRET_ENV and never recorded.
 */
export interface BenchSeed {
  account: typeof BENCH_ACCOUNT;
  clients: ClientMetadata[];
}

export function benchSeed(secret: string): BenchSeed {
  return { account: BENCH_ACCOUNT, clients: BENCH_CLIENTS.map((client) => benchClientMetadata(client, secret)) };
}
