/**
 * The only `new Provider(...)`: every oidc-provider setting in one place. Each default that
 * oidc-provider asks integrators to replace ("you SHOULD/MUST change it") is replaced here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ACR_TWO_FACTORS, ACR_VALUES, requestsTwoFactors, TWO_FACTORS_REQUESTED } from '../mfa/authentication-context.js';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config.js';
import type { ApiAccess } from '../client-apps/api-access.js';
import type { ClientTrust } from '../client-apps/trust.js';
import type { RegistrationPolicy } from '../client-apps/registration-policy.js';
import type { ResourceServers } from '../client-apps/resource-servers.js';
import { SUPPORTED_AUTH_METHODS } from '../client-apps/registration-policy.js';
import type { Views } from '../http/views.js';
import type { Logger } from '../logger.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { Storage } from '../storage/types.js';
import { createAdapterFactory } from './adapter.js';
import { checkApiGrant, checkClientCredentialsRequest } from './client-credentials.js';
import { keepClientInstances } from './client-lookups.js';
import { CLAIMS_BY_SCOPE, createFindAccount } from './claims.js';
import { logProviderEvents } from './events.js';
import { createLoadExistingGrant } from './grants.js';
import { createOutgoingFetch } from './outgoing-fetch.js';
import { createProviderPages } from './pages.js';
import type { KeyMaterial } from './live-provider.js';
import { createRegistrationFeatures, forgetUsedInitialAccessTokens } from './registration.js';
import { recordRegistrationEvents } from './registration-events.js';
import { bindRegistrationRequests } from './registration-writes.js';
import { revokeClientRecords } from './revoke-client.js';
import { createTtl } from './ttl.js';
import { unauthorizedClientForUnregisteredGrants } from './unauthorized-client.js';

export interface ProviderDeps {
  config: Readonly<Config>;
  storage: Storage;
  trust: ClientTrust;
  resourceServers: ResourceServers;
  apiAccess: ApiAccess;
  registrationPolicy: RegistrationPolicy;
  /** This provider's keys: signing JWKS and cookie keys (newest first). */
  material: KeyMaterial;
  views: Views;
  logger: Logger;
  events: SecurityEvents;
}

/** prompt=select_account (OpenID Connect Core 3.1.2.1) is not in oidc-provider's base policy. */
function interactionPolicyWithAccountChooser() {
  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);
  policy.get('login')!.checks.add(twoFactorsRequested);
  for (const reason of SESSION_CHECKS) checkedAfterConsentWhenSilent(policy, reason);
  return policy;
}

/**
 * The login checks that compare the request with the signed-in person and how they signed in: who
 * it names, how long ago and how they signed in.
 */
const SESSION_CHECKS = ['max_age', 'id_token_hint', 'claims_id_token_sub_value', 'essential_acrs', 'essential_acr', TWO_FACTORS_REQUESTED] as const;

/**
 * With prompt=none, the request is checked against the signed-in person after the consent checks,
 * not before: an app the person never consented to got consent_required when the browser was
 * signed in as the person it named (`id_token_hint`, a `sub` value in `claims`) and login_required
 * when not, so any app holding a subject (the same for every app here: no pairwise subjects) could
 * tell who its visitors are without their consent; and `max_age` (searched in ~17 requests) gave
 * the session's auth_time to the second, which consented apps see in ID tokens, and `acr_values`
 * whether it had two factors (both found by attacking reviews). Now an app without consent gets
 * consent_required whatever it asks, and the other answers only where it holds a grant that covers
 * the request (it may ask who is signed in then anyway). Without prompt=none nothing changes: the
 * person signs in (again, as the named one, with two factors) as before.
 */
function checkedAfterConsentWhenSilent(policy: ReturnType<typeof interactionPolicy.base>, reason: (typeof SESSION_CHECKS)[number]): void {
  const login = policy.get('login')!.checks;
  const check = login.get(reason)!;
  const interactive = (ctx: KoaContextWithOIDC) => !ctx.oidc.promptPending('none');
  login.splice(login.indexOf(check), 1, new interactionPolicy.Check(reason, check.description, check.error!, async (ctx) => interactive(ctx) && (await check.check(ctx)), check.details));
  policy.get('consent')!.checks.add(new interactionPolicy.Check(reason, check.description, check.error!, async (ctx) => !interactive(ctx) && (await check.check(ctx)), check.details));
}

/**
 * acr_values naming two factors is met only by a session signed in with two: otherwise the person
 * gives their second factor (interactions/router.ts, step-up) or signs in again, and never gets a
 * token with less than was asked for. With
 * prompt=none the site gets interaction_required (a person must act). oidc-provider enforces only
 * an essential acr claim by itself; acr_values is voluntary in OpenID Connect Core 3.1.2.1, and
 * here it is honoured. An account that has no second factor can't meet it: the login step answers
 * the site with unmet_authentication_requirements (interactions/router.ts).
 */
const twoFactorsRequested = new interactionPolicy.Check(
  TWO_FACTORS_REQUESTED,
  'the client asked for a sign-in with two factors',
  'interaction_required',
  (ctx) => (requestsTwoFactors(ctx.oidc.params ?? {}) && ctx.oidc.acr !== ACR_TWO_FACTORS ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT),
);

/** Browser-based public clients may call userinfo from the origins of their redirect URIs. */
function clientBasedCORS(ctx: KoaContextWithOIDC, origin: string, client: { clientAuthMethod?: string; redirectUris?: readonly string[] }): boolean {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
}

function createIntrospectionPolicy(resourceServers: ResourceServers) {
  return async (ctx: KoaContextWithOIDC, client: { clientId: string; clientAuthMethod?: string }, token: { clientId?: string; aud?: string | string[] }) => {
    if (client.clientAuthMethod === 'none') return false;
    if (token.clientId === client.clientId) return true;
    for (const audience of ([] as string[]).concat(token.aud ?? [])) {
      if ((await resourceServers.find(audience))?.clientId !== client.clientId) continue;
      // A token whose client is gone (deleted, its records on their way out) is no longer
      // active; oidc-provider would otherwise fail on the missing client (a 500).
      return typeof token.clientId === 'string' && (await ctx.oidc.provider.Client.find(token.clientId)) !== undefined;
    }
    return false;
  };
}

/**
 * `gen`: the client's token generation (client-apps/api-access.ts), in tokens for a resource
 * server that checks it (the Management API), so rotating the client's secret or revoking its
 * tokens ends the tokens it already holds.
 *
 * A rotation stores the new secret, then moves the generation on. A request that authenticated
 * with the old secret before the first and reads the generation after the second would carry the
 * new one past the rotation (found by an attacking review, on a store with MongoDB's round trips).
 * So once the generation is read, the secret that authenticated must still be the stored one:
 * read in that order, a token with a generation read before the rotation's bump is ended by it,
 * and one read after meets the new secret here.
 */
function createExtraTokenClaims(resourceServers: ResourceServers, apiAccess: ApiAccess): NonNullable<Configuration['extraTokenClaims']> {
  return async (ctx, token) => {
    if (token.kind !== 'ClientCredentials' || typeof token.aud !== 'string') return undefined;
    if (!(await resourceServers.find(token.aud))?.clientCredentialsOnly) return undefined;
    const gen = await apiAccess.generation(token.clientId as string);
    const stored = await ctx.oidc.provider.Client.find(token.clientId as string);
    if (!stored || !sameSecret(stored.clientSecret, ctx.oidc.client?.clientSecret)) throw new errors.InvalidClientAuth('the secret that authenticated was rotated meanwhile');
    return { gen };
  };
}

/** Compared by digest: the time taken says nothing of how much of the stored secret was matched. */
function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * What private_key_jwt client assertions may be signed with, at every endpoint that authenticates
 * clients: oidc-provider's default list without the HMAC ones (client_secret_jwt is not offered).
 */
const CLIENT_AUTH_SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const;

export function createProvider(deps: ProviderDeps): Provider {
  const { config, storage, trust, resourceServers, views, logger } = deps;
  const pages = createProviderPages(views, (clientId) => trust.isFirstParty(clientId));
  const policy = interactionPolicyWithAccountChooser();

  const configuration: Configuration = {
    adapter: createAdapterFactory(storage),
    findAccount: createFindAccount(storage.accounts),
    // acr, amr (RFC 8176) and auth_time: how and when the person signed in, in every ID token, so a
    // site can judge a sign-in without asking for max_age. oidc-provider puts a claim in the ID
    // token only when a scope lists it (lib/helpers/claims.js result()) or the claims parameter
    // asks; userinfo never has them (the account's claims don't).
    claims: { ...CLAIMS_BY_SCOPE, openid: [...CLAIMS_BY_SCOPE.openid, 'acr', 'amr', 'auth_time'], profile: [...CLAIMS_BY_SCOPE.profile], email: [...CLAIMS_BY_SCOPE.email] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    cookies: {
      // The parent app's signer (app.ts), which checks without keygrip's slow compare.
      keys: deps.material.cookieSigner,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    jwks: deps.material.jwks as Configuration['jwks'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: [...CLIENT_AUTH_SIGNING_ALGS],
    },
    clientAuthMethods: [...SUPPORTED_AUTH_METHODS],
    pkce: { required: () => true },
    // discovery's acr_values_supported: the acr a sign-in with two factors carries (mfa/).
    acrValues: [...ACR_VALUES],
    // OpenID Connect Core 3.1.2.1: redirect_uri is required, even from a client with only one.
    // Left on, oidc-provider 9.13's authorization error handler fills it in from parameters the
    // resume endpoint never assembled: GET /auth/<uid>?client_id=<such a client> answered 500
    // (shared/authorization_error_handler.js calls oneRedirectUriClients without ctx.oidc.params).
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    loadExistingGrant: createLoadExistingGrant(trust),
    rotateRefreshToken: true,
    extraTokenClaims: createExtraTokenClaims(resourceServers, deps.apiAccess),
    clientBasedCORS,
    ttl: createTtl(config.ttl),
    discovery: {
      claim_types_supported: ['normal'],
      // RFC 8414 section 2: left out, a client must assume client_secret_basic alone. The engine
      // authenticates clients at these endpoints as at the token endpoint; a public client may
      // revoke its own tokens (RFC 7009 section 2.1) but never introspect (the policy below).
      introspection_endpoint_auth_methods_supported: SUPPORTED_AUTH_METHODS.filter((method) => method !== 'none'),
      revocation_endpoint_auth_methods_supported: [...SUPPORTED_AUTH_METHODS],
      // Required with private_key_jwt listed (RFC 8414 section 2): the token endpoint's algorithms.
      introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_AUTH_SIGNING_ALGS],
      revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_AUTH_SIGNING_ALGS],
      // OpenID Connect Prompt Create 1.0 section 4.1; oidc-provider does not add it itself.
      prompt_values_supported: ['none', ...policy.map((prompt) => prompt.name)],
    },
    renderError: pages.renderError,
    fetch: createOutgoingFetch({ demoSiteOrigins: config.demoSiteOrigins }),
    features: {
      devInteractions: { enabled: false },
      ...createRegistrationFeatures({ policy: deps.registrationPolicy, storage }),
      claimsParameter: { enabled: true },
      // OpenID Connect Back-Channel Logout 1.0: ending a session notifies every site of it.
      backchannelLogout: { enabled: true },
      // RFC 7009: a client may revoke only its own tokens (others' are ignored, as the RFC allows).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      // RFC 7662: confidential callers only; a client sees its own tokens, an API (resource
      // server) the tokens issued for it. Anything else reads as { active: false }.
      introspection: { enabled: true, allowedPolicy: createIntrospectionPolicy(resourceServers) },
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logoutSource, postLogoutSuccessSource: pages.postLogoutSuccessSource },
      // RFC 6749 section 4.4, for confidential clients registered with the grant; the rules it
      // follows here are in client-credentials.ts, run from the two resource indicator hooks below.
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, _client, oneOf) {
          if (!oneOf) checkClientCredentialsRequest(ctx, undefined);
          return oneOf;
        },
        useGrantedResource: async () => true,
        async getResourceServerInfo(ctx, identifier) {
          const server = await resourceServers.find(identifier);
          if (!server) throw new errors.InvalidTarget('unknown resource indicator');
          checkClientCredentialsRequest(ctx, server);
          await checkApiGrant(ctx, server, deps.apiAccess);
          return {
            scope: server.scope,
            audience: server.identifier,
            accessTokenTTL: server.accessTokenTtlSeconds ?? config.ttl.accessTokenSeconds,
            // RFC 9068 JWT access tokens (typ at+jwt) that the API verifies with the JWKS alone, or
            // opaque ones for an API that introspects each token to see revocations at once.
            ...(server.tokenFormat === 'opaque' ? { accessTokenFormat: 'opaque' as const } : { accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'RS256' } } }),
          };
        },
      },
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // Every client is in the store (none in configuration.clients, no metadata documents).
  if (!configuration.clients?.length && !configuration.features?.clientIdMetadataDocument?.enabled) keepClientInstances(provider, storage.modelStore('Client'));
  bindRegistrationRequests(provider);
  provider.use(unauthorizedClientForUnregisteredGrants);
  logProviderEvents(provider, logger);
  recordRegistrationEvents(provider, deps.events, (clientId) =>
    revokeClientRecords(storage, clientId).catch((error: unknown) => logger.warn('registration.delete_revocation_failed', { client_id: clientId, error })),
  );
  forgetUsedInitialAccessTokens(provider, logger);
  return provider;
}
