/**
 * /initial-access-tokens: tokens that let one party register client apps at /reg (RFC 7591
 * section 3), issued as the admin CLI issues them (oidc/registration.ts issueInitialAccessToken:
 * the same bounds, default and registration policy). The token is in this answer only.
 */
import { createHash } from 'node:crypto';
import type { Idp } from '../../idp.js';
import { INITIAL_ACCESS_TOKEN_LIFETIME, issueInitialAccessToken } from '../../oidc/registration.js';
import type { ApiRoute, JsonSchema } from '../route.js';

export type TokensDeps = Pick<Idp, 'provider'>;

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
        const audit = { expires_at: expiresAt, single_use: issued.singleUse, token_sha256: createHash('sha256').update(issued.token).digest('base64url').slice(0, 16) };
        return { status: 201, body: { initial_access_token: issued.token, expires_at: expiresAt, single_use: issued.singleUse }, audit };
      },
    },
  ];
}
