/**
 * The bare engine `npm run bench` compares our IdP with: oidc-provider (the version in
 * package-lock.json) configured with what our IdP turns on for the bench's clients and nothing of
 * ours. Same as src/oidc/provider.ts: scopes and claims, RS256 + ES256 signing keys made with jose
 * at start (RSA 2048, as src/oidc/key-ring.ts), PKCE required for every client, refresh tokens
 * rotated on every use, the same lifetimes, cookie options, introspection and revocation of a
 * client's own tokens, the claims parameter, resource indicators with one API (BENCH_RESOURCE, a
 * JWT access token signed RS256 as ours issues for it), client_credentials, RP-initiated and
 * back-channel logout, and first-party clients granted what they ask for without a consent page
 * (as src/oidc/grants.ts). Different on purpose: the two clients are static (configuration, not
 * storage), the store is oidc-provider's own memory adapter, and there are no pages, limits,
 * headers, logs or key rotation of ours: those are what the comparison measures.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { BENCH_ACCOUNT, BENCH_CLIENTS, BENCH_RESOURCE, benchClientMetadata } from '../fixture.js';

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
/** src/config.ts defaults: access 10 min, ID 1 h, refresh 14 d, session 1 d, interaction 30 min, grant 14 d, code 60 s. */
const TTL = { AccessToken: 10 * MINUTE, ClientCredentials: 10 * MINUTE, IdToken: 60 * MINUTE, RefreshToken: 14 * DAY, Session: DAY, Interaction: 30 * MINUTE, Grant: 14 * DAY, AuthorizationCode: 60 };

export const BASELINE_ACCOUNT_ID = 'bench-account';

async function signingKeys() {
  const make = async (alg: 'RS256' | 'ES256') => {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    return { ...(await exportJWK(privateKey)), kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`, alg, use: 'sig' };
  };
  return { keys: [await make('RS256'), await make('ES256')] };
}

/**
 * oidc-provider's own memory adapter, on a store of its own: its default store is one
 * process-wide LRU of 1,000 entries, which a benchmark overflows in a second (codes and sessions
 * would vanish). A million entries is more than any run writes.
 */
function engineMemoryAdapter(): Configuration['adapter'] {
  const store = new LRU({ maxSize: 1_000_000 });
  return (model: string) => new MemoryAdapter(model, store);
}

const claims = {
  sub: BASELINE_ACCOUNT_ID,
  name: BENCH_ACCOUNT.name,
  given_name: BENCH_ACCOUNT.givenName,
  family_name: BENCH_ACCOUNT.familyName,
  updated_at: Math.floor(Date.now() / 1000),
  email: BENCH_ACCOUNT.email,
  email_verified: true,
};

/** Every client of the baseline is first-party: the grant follows the request, as src/oidc/grants.ts. */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant = existing ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  const requestedClaims = [...oidc.requestParamClaims];
  if (requestedClaims.length > 0) grant.addOIDCClaims(requestedClaims);
  await grant.save();
  return grant;
}

export async function createBaselineProvider(issuer: string, clientSecret: string): Promise<Provider> {
  const configuration: Configuration = {
    adapter: engineMemoryAdapter(),
    clients: BENCH_CLIENTS.map((client) => benchClientMetadata(client, clientSecret)),
    findAccount: async (_ctx, sub) => (sub === BASELINE_ACCOUNT_ID ? { accountId: sub, claims: () => claims } : undefined),
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'updated_at'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    responseTypes: ['code'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256' },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    jwks: (await signingKeys()) as Configuration['jwks'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], userinfoSigningAlgValues: ['RS256', 'ES256'] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant,
    rotateRefreshToken: true,
    clientBasedCORS: () => false,
    ttl: TTL,
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => client.clientAuthMethod !== 'none' && token.clientId === client.clientId },
      rpInitiatedLogout: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, identifier) => {
          if (identifier !== BENCH_RESOURCE.identifier) throw new errors.InvalidTarget('unknown resource indicator');
          return { scope: BENCH_RESOURCE.scope, audience: identifier, accessTokenTTL: TTL.AccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
  };
  return new Provider(issuer, configuration);
}
