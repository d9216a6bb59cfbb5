/**
 * /initial-access-tokens: tokens that let one party register client apps at /reg (RFC 7591
 * section 3), issued as the admin CLI issues them (oidc/registration.ts issueInitialAccessToken:
 * the same bounds, default and registration policy). The token is in the issuing answer only;
 * listings and revocation name it by a handle (oidc/initial-access-tokens.ts).
 */
import type { Idp } from '../../idp.js';
import { listInitialAccessTokens, revokeInitialAccessToken, tokenHandle, type InitialAccessTokenView } from '../../oidc/initial-access-tokens.js';
import { INITIAL_ACCESS_TOKEN_LIFETIME, issueInitialAccessToken } from '../../oidc/registration.js';
import { paginate, pageSchema, PAGING_QUERY } from '../paging.js';
import { ApiProblem } from '../problem.js';
import type { ApiRoute, JsonSchema } from '../route.js';

export type TokensDeps = Pick<Idp, 'provider' | 'storage'>;

const timestamp = { type: 'string', format: 'date-time' } as const;

const LISTED: JsonSchema = {
  type: 'object',
  required: ['id', 'single_use', 'used', 'from_environment'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: 'A handle for the token, never the token: the first 24 hex characters (96 bits) of its SHA-256, as the audit trail recorded it' },
    issued_at: timestamp,
    expires_at: timestamp,
    single_use: { type: 'boolean' },
    used: { type: 'boolean', description: 'A single-use token that registered its client' },
    from_environment: { type: 'boolean', description: 'Set by INITIAL_ACCESS_TOKEN: only the environment changes it' },
  },
};

const listed = (token: InitialAccessTokenView) => ({
  id: token.id,
  ...(token.issuedAt ? { issued_at: token.issuedAt.toISOString() } : {}),
  ...(token.expiresAt ? { expires_at: token.expiresAt.toISOString() } : {}),
  single_use: token.singleUse,
  used: token.used,
  from_environment: token.fromEnvironment,
});

const BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expires_in_seconds: {
      type: 'integer',
      minimum: INITIAL_ACCESS_TOKEN_LIFETIME.minSeconds,
      maximum: INITIAL_ACCESS_TOKEN_LIFETIME.maxSeconds,
      description: `Lifetime; ${INITIAL_ACCESS_TOKEN_LIFETIME.defaultSeconds} (7 days) unless given`,
    },
    single_use: { type: 'boolean', description: 'The token registers one client, then stops working' },
  },
};

const ISSUED: JsonSchema = {
  type: 'object',
  required: ['initial_access_token', 'expires_at', 'single_use'],
  additionalProperties: false,
  properties: {
    initial_access_token: { type: 'string', description: 'Bearer token for POST /reg; shown this once' },
    expires_at: { type: 'string', format: 'date-time' },
    single_use: { type: 'boolean' },
  },
};

export function tokenRoutes(deps: TokensDeps): ApiRoute[] {
  return [
    {
      method: 'post',
      path: '/initial-access-tokens',
      operationId: 'createInitialAccessToken',
      summary: 'Issue an initial access token for dynamic client registration (RFC 7591)',
      tag: 'Initial access tokens',
      scope: 'admin:tokens:write',
      body: BODY,
      response: { status: 201, description: 'The token (in this answer only)', schema: ISSUED },
      async handle({ body }) {
        const input = body as { expires_in_seconds?: number; single_use?: boolean };
        const issued = await issueInitialAccessToken(deps.provider(), { expiresInSeconds: input.expires_in_seconds, singleUse: input.single_use });
        const expiresAt = issued.expiresAt.toISOString();
        // Which token it was, without the token: enough to match it with its registrations later.
        const audit = { expires_at: expiresAt, single_use: issued.singleUse, token_sha256: tokenHandle(issued.token) };
        return { status: 201, body: { initial_access_token: issued.token, expires_at: expiresAt, single_use: issued.singleUse }, audit };
      },
    },
    {
      method: 'get',
      path: '/initial-access-tokens',
      operationId: 'listInitialAccessTokens',
      summary: 'List the initial access tokens that still work, by handle (never the tokens)',
      tag: 'Initial access tokens',
      scope: 'admin:tokens:write',
      query: PAGING_QUERY,
      response: { status: 200, description: 'A page of tokens, by handle', schema: pageSchema(LISTED) },
      async handle({ query }) {
        const page = paginate(await listInitialAccessTokens(deps.storage), (token) => token.id, query);
        return { status: 200, body: { items: page.items.map(listed), next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'delete',
      path: '/initial-access-tokens/{token_id}',
      operationId: 'revokeInitialAccessToken',
      summary: 'Revoke an initial access token (a leaked one): registration refuses it from now on',
      tag: 'Initial access tokens',
      scope: 'admin:tokens:write',
      response: { status: 204, description: 'Revoked' },
      problems: { 409: 'The token set by INITIAL_ACCESS_TOKEN (change or remove it in the environment)' },
      async handle({ params }) {
        const outcome = await revokeInitialAccessToken(deps.storage, params.token_id!);
        if (outcome === 'not_found') throw new ApiProblem(404, 'not_found', 'No initial access token has this id');
        if (outcome === 'from_environment') throw new ApiProblem(409, 'conflict', 'This token is set by INITIAL_ACCESS_TOKEN: change or remove it there, and restart');
        return { status: 204, audit: { token_sha256: params.token_id! } };
      },
    },
  ];
}
