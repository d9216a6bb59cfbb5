/**
 * /users: the people who sign in here, through the same code as registration and the admin CLI
 * (accounts/accounts.ts for the rules of a new account, accounts/account-admin.ts for disabling,
 * password resets, signing out and deleting), and what they are signed in to (the account page's
 * own overview, account/account-sessions.ts). No answer ever carries a password hash, a session's
 * cookie value or a token: the representations below pick their fields one by one.
 */
import { createHash } from 'node:crypto';
import { deleteAccount, disableAccount, resetAccountFactors, enableAccount, revokeAppAccess, setAccountPassword, signOutEverywhere, updateProfile, accountById, type AdminActor } from '../../accounts/account-admin.js';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, registerAccount } from '../../accounts/accounts.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../accounts/passwords.js';
import type { AccessEnded } from '../../account/end-access.js';
import { createAccountSessions } from '../../account/account-sessions.js';
import type { FactorSummary } from '../../mfa/factors.js';
import type { AccountRecord } from '../../storage/types.js';
import { MANAGEMENT_API_PREFIX } from '../management-api.js';
import { cursorKey, pageLimit, pageOf, pageSchema, PAGING_QUERY } from '../paging.js';
import type { ApiRequest, ApiRoute, JsonSchema } from '../route.js';
import { text } from '../schemas.js';
import type { ManagementDeps } from './index.js';

export type UsersDeps = Pick<ManagementDeps, 'config' | 'storage' | 'access' | 'events' | 'provider' | 'deliveries' | 'factors'>;

const timestamp: JsonSchema = { type: 'string', format: 'date-time' };

const USER: JsonSchema = {
  type: 'object',
  required: ['id', 'email', 'name', 'email_verified', 'disabled', 'has_totp', 'passkeys', 'has_recovery_codes', 'created_at', 'updated_at'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    email: { type: 'string', description: 'In lower case; unique in any letter case' },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
    email_verified: { type: 'boolean' },
    disabled: { type: 'boolean', description: 'A disabled user can not sign in' },
    has_totp: { type: 'boolean', description: 'Signing in asks for a code from an authenticator app after the password' },
    passkeys: { type: 'integer', minimum: 0, description: 'How many passkeys the user has registered (never the keys)' },
    has_recovery_codes: { type: 'boolean', description: 'The user holds unused recovery codes (never shown here)' },
    created_at: timestamp,
    updated_at: timestamp,
  },
};

const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });

const ENDED: JsonSchema = {
  type: 'object',
  description: 'What ended: sessions, the apps whose grants and tokens were revoked, and the apps told through back-channel logout',
  required: ['sessions', 'apps', 'offline_apps', 'notified'],
  additionalProperties: false,
  properties: {
    sessions: count('Sign-in sessions (browsers and devices) ended'),
    apps: count('Apps whose grants and tokens were revoked'),
    offline_apps: count('Of those, apps that held offline access'),
    notified: count('Apps being told through back-channel logout (retried until it arrives: GET /logout-deliveries)'),
  },
};

const USER_AND_ENDED: JsonSchema = { type: 'object', required: ['user', 'ended'], additionalProperties: false, properties: { user: USER, ended: ENDED } };
const ENDED_ONLY: JsonSchema = { type: 'object', required: ['ended'], additionalProperties: false, properties: { ended: ENDED } };

const password: JsonSchema = { type: 'string', maxLength: MAX_PASSWORD_LENGTH, description: `At least ${MIN_PASSWORD_LENGTH} characters (the same rule as registration)` };

const PROFILE = {
  name: text(MAX_NAME_LENGTH),
  given_name: text(MAX_NAME_LENGTH),
  family_name: text(MAX_NAME_LENGTH),
  email_verified: { type: 'boolean' },
};

const NEW_USER: JsonSchema = {
  type: 'object',
  required: ['email', 'name', 'password'],
  additionalProperties: false,
  properties: { email: { ...text(MAX_EMAIL_LENGTH), format: 'email' }, password, ...PROFILE },
};

const UPDATE: JsonSchema = { type: 'object', minProperties: 1, additionalProperties: false, properties: PROFILE };
const PASSWORD_BODY: JsonSchema = { type: 'object', required: ['password'], additionalProperties: false, properties: { password } };

const SESSIONS: JsonSchema = {
  type: 'object',
  required: ['sessions', 'apps'],
  additionalProperties: false,
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'client_ids', 'client_names'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', description: 'A stable handle of the session (never its cookie value)' },
          signed_in_at: timestamp,
          client_ids: { type: 'array', items: { type: 'string' }, description: 'Apps signed in through this session' },
          client_names: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['client_id', 'client_name', 'scopes', 'apis', 'offline_access'],
        additionalProperties: false,
        properties: {
          client_id: { type: 'string' },
          client_name: { type: 'string' },
          scopes: { type: 'array', items: { type: 'string' } },
          apis: { type: 'array', items: { type: 'string' }, description: 'Resource servers the app may call as the user' },
          offline_access: { type: 'boolean', description: 'Holds refresh tokens that outlive sessions' },
        },
      },
    },
  },
};

const EMAIL_FILTER = { description: 'Only users whose email contains this, in any letter case', schema: text(MAX_EMAIL_LENGTH) };

/** `factors`: whether the user has second factors (mfa/factors.ts), never the factors themselves. */
export function userRepresentation(account: AccountRecord, factors: FactorSummary) {
  return {
    id: account.id,
    email: account.email,
    name: account.name,
    ...(account.givenName ? { given_name: account.givenName } : {}),
    ...(account.familyName ? { family_name: account.familyName } : {}),
    email_verified: account.emailVerified,
    disabled: account.disabled,
    has_totp: factors.totp,
    passkeys: factors.passkeys,
    has_recovery_codes: factors.hasRecoveryCodes,
    created_at: new Date(account.createdAt).toISOString(),
    updated_at: new Date(account.updatedAt).toISOString(),
  };
}

const endedRepresentation = (ended: AccessEnded) => ({ sessions: ended.sessions, apps: ended.apps, offline_apps: ended.offlineApps, notified: ended.notified });

/** The session id is its cookie's value (oidc-provider's Session.get): an admin gets a hash of it. */
const sessionHandle = (id: string) => createHash('sha256').update(id).digest('base64url').slice(0, 22);

const actorOf = ({ ctx, caller }: ApiRequest): AdminActor => ({ source: ctx.ip, adminClientId: caller.clientId });

export function userRoutes(deps: UsersDeps): ApiRoute[] {
  const overview = createAccountSessions({ provider: deps.provider, storage: deps.storage, deliveries: deps.deliveries });
  const tag = 'Users';
  const userId = (request: ApiRequest) => request.params.user_id!;
  const represent = async (account: AccountRecord) => userRepresentation(account, await deps.factors.summary(account.id));
  return [
    {
      method: 'get',
      path: '/users',
      operationId: 'listUsers',
      summary: 'List users, by id; optionally only those whose email contains a text',
      tag,
      scope: 'admin:users:read',
      query: { ...PAGING_QUERY, email: EMAIL_FILTER },
      response: { status: 200, description: 'A page of users, by id', schema: pageSchema(USER) },
      problems: { 503: 'The store is not answering, or (on MongoDB) an email search ran past its time bound: search for a longer part of the email; Retry-After says when to try again' },
      async handle({ query }) {
        const limit = pageLimit(query);
        // One more than the page: whether another follows. Never every account at once.
        const accounts = await deps.storage.accounts.page({ limit: limit + 1, after: cursorKey(query), emailContains: query.email });
        const page = pageOf(accounts, (account) => account.id, limit);
        return { status: 200, body: { items: await Promise.all(page.items.map(represent)), next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'post',
      path: '/users',
      operationId: 'createUser',
      summary: 'Create a user who can sign in at once (the rules of registration: email, name, password)',
      tag,
      scope: 'admin:users:write',
      body: NEW_USER,
      problems: { '409': 'A user with this email exists (in any letter case)' },
      response: { status: 201, description: 'The user', schema: USER },
      async handle({ body }) {
        const input = body as { email: string; name: string; password: string; given_name?: string; family_name?: string; email_verified?: boolean };
        const account = await registerAccount(deps.storage.accounts, {
          email: input.email,
          name: input.name,
          password: input.password,
          givenName: input.given_name,
          familyName: input.family_name,
          emailVerified: input.email_verified,
        });
        return { status: 201, headers: { Location: `${deps.config.issuer}${MANAGEMENT_API_PREFIX}/users/${encodeURIComponent(account.id)}` }, body: await represent(account) };
      },
    },
    {
      method: 'get',
      path: '/users/{user_id}',
      operationId: 'getUser',
      summary: 'Show one user',
      tag,
      scope: 'admin:users:read',
      response: { status: 200, description: 'The user', schema: USER },
      handle: async (request) => ({ status: 200, body: await represent(await accountById(deps, userId(request))) }),
    },
    {
      method: 'patch',
      path: '/users/{user_id}',
      operationId: 'updateUser',
      summary: 'Change name, given and family name, or whether the email is verified',
      tag,
      scope: 'admin:users:write',
      body: UPDATE,
      response: { status: 200, description: 'The user as it is now', schema: USER },
      async handle(request) {
        const changes = request.body as { name?: string; given_name?: string; family_name?: string; email_verified?: boolean };
        const account = await updateProfile(deps, userId(request), { name: changes.name, givenName: changes.given_name, familyName: changes.family_name, emailVerified: changes.email_verified });
        return { status: 200, body: await represent(account) };
      },
    },
    {
      method: 'delete',
      path: '/users/{user_id}',
      operationId: 'deleteUser',
      summary: 'Delete a user, after ending every session, grant and token (apps are told); the email is free again',
      tag,
      scope: 'admin:users:write',
      response: { status: 204, description: 'Deleted' },
      async handle(request) {
        await deleteAccount(deps, userId(request), actorOf(request));
        return { status: 204 };
      },
    },
    {
      method: 'post',
      path: '/users/{user_id}/disable',
      operationId: 'disableUser',
      summary: 'Block sign-in and end every session, grant and token of the user at once (apps are told)',
      tag,
      scope: 'admin:users:write',
      response: { status: 200, description: 'The user, and what ended', schema: USER_AND_ENDED },
      async handle(request) {
        const { account, ended } = await disableAccount(deps, userId(request), actorOf(request));
        return { status: 200, body: { user: await represent(account), ended: endedRepresentation(ended) } };
      },
    },
    {
      method: 'post',
      path: '/users/{user_id}/enable',
      operationId: 'enableUser',
      summary: 'Allow sign-in again',
      tag,
      scope: 'admin:users:write',
      response: { status: 200, description: 'The user', schema: { type: 'object', required: ['user'], additionalProperties: false, properties: { user: USER } } },
      handle: async (request) => ({ status: 200, body: { user: await represent(await enableAccount(deps, userId(request), actorOf(request))) } }),
    },
    {
      method: 'put',
      path: '/users/{user_id}/password',
      operationId: 'setUserPassword',
      summary: 'Set a new password; every session, grant and token of the user ends (apps are told)',
      tag,
      scope: 'admin:users:write',
      body: PASSWORD_BODY,
      response: { status: 200, description: 'The user, and what ended', schema: USER_AND_ENDED },
      async handle(request) {
        const { account, ended } = await setAccountPassword(deps, userId(request), (request.body as { password: string }).password, actorOf(request));
        return { status: 200, body: { user: await represent(account), ended: endedRepresentation(ended) } };
      },
    },
    {
      method: 'post',
      path: '/users/{user_id}/factors/reset',
      operationId: 'resetUserFactors',
      summary: "Remove the user's passkeys, authenticator app and recovery codes (a lost phone), ending every session: signing in asks for the password only until they set up new ones",
      tag,
      scope: 'admin:users:write',
      response: { status: 200, description: 'The user as it is now, and what ended', schema: USER_AND_ENDED },
      async handle(request) {
        const { account, ended } = await resetAccountFactors(deps, userId(request), actorOf(request));
        return { status: 200, body: { user: await represent(account), ended: endedRepresentation(ended) } };
      },
    },
    {
      method: 'get',
      path: '/users/{user_id}/sessions',
      operationId: 'listUserSessions',
      summary: "The user's sign-in sessions and the apps holding grants (what the account page shows)",
      tag,
      scope: 'admin:sessions:read',
      response: { status: 200, description: 'Sessions and apps', schema: SESSIONS },
      async handle(request) {
        const account = await accountById(deps, userId(request));
        const { sessions, apps } = await overview.overview(account.id, undefined);
        return {
          status: 200,
          body: {
            sessions: sessions.map((session) => ({
              id: sessionHandle(session.id),
              ...(session.signedInAt ? { signed_in_at: session.signedInAt.toISOString() } : {}),
              client_ids: session.clientIds,
              client_names: session.apps,
            })),
            apps: apps.map((app) => ({ client_id: app.clientId, client_name: app.name, scopes: app.scopes, apis: app.apis, offline_access: app.offline })),
          },
        };
      },
    },
    {
      method: 'delete',
      path: '/users/{user_id}/sessions',
      operationId: 'endUserSessions',
      summary: 'Sign the user out everywhere: every session, grant and token ends (apps are told)',
      tag,
      scope: 'admin:sessions:write',
      response: { status: 200, description: 'What ended', schema: ENDED_ONLY },
      handle: async (request) => ({ status: 200, body: { ended: endedRepresentation(await signOutEverywhere(deps, userId(request), actorOf(request))) } }),
    },
    {
      method: 'delete',
      path: '/users/{user_id}/apps/{client_id}',
      operationId: 'revokeUserApp',
      summary: "Revoke one app's access for the user (the account page's \"Revoke access\"): its grants and tokens end, the app is told",
      tag,
      scope: 'admin:sessions:write',
      response: { status: 204, description: 'Revoked' },
      async handle(request) {
        await revokeAppAccess(deps, userId(request), request.params.client_id!, actorOf(request));
        return { status: 204 };
      },
    },
  ];
}
