/**
 * The admin CLI: `admin <group> <command> [options]`. One table of commands; each declares the
 * Management API scopes it needs and runs two ways: over HTTP against a running IdP (the normal
 * way: runAdminOverHttp, a token for exactly those scopes) or, for bootstrapping only, directly on
 * the IdP's store (runAdmin, `--direct`). Every command returns rows, printed as a table or, with
 * --json, as JSON. Exit codes: 0 done, 1 refused (bad input, not found, refused credentials),
 * 2 wrong usage or missing settings.
 */
import { parseArgs } from 'node:util';
import type { AdminCliEnvironment } from '../config.js';
import { isAppError } from '../errors.js';
import type { FetchFunction } from '../http/loopback-resolver.js';
import { managementApiIdentifier, MANAGEMENT_SCOPES, type ManagementScope } from '../management/management-api.js';
import type { AdminContext, AdminIo } from './context.js';
import { UsageError } from './context.js';
import { AUDIT_COLUMNS, listAudit } from './audit-commands.js';
import { listAuditHttp } from './audit-commands-http.js';
import type { ClientGrant } from '../client-apps/client-apps.js';
import { addClient, CLIENT_COLUMNS, CLIENT_WITH_SECRET_COLUMNS, grantApi, listClients, removeClient, revokeTokens, rotateSecret, showClient, updateClient } from './client-commands.js';
import { addClientHttp, grantApiHttp, listClientsHttp, removeClientHttp, revokeTokensHttp, rotateSecretHttp, showClientHttp, updateClientHttp } from './client-commands-http.js';
import { MissingCredentialsError, resolveCredentials } from './credentials.js';
import { KEY_COLUMNS, listKeys, prune, rotate } from './keys-commands.js';
import { listKeysHttp, pruneHttp, rotateHttp } from './keys-commands-http.js';
import { LOGOUT_COLUMNS, LOGOUT_STATS_COLUMNS, listLogouts, logoutListOptions, logoutStats } from './logout-commands.js';
import { listLogoutsHttp, logoutStatsHttp } from './logout-commands-http.js';
import { createManagementClient, type ManagementClient } from './management-client.js';
import { createInitialAccessToken, listInitialAccessTokensDirect, LISTED_TOKEN_COLUMNS, revokeInitialAccessTokenDirect, TOKEN_COLUMNS } from './token-commands.js';
import { createInitialAccessTokenHttp, listInitialAccessTokensHttp, revokeInitialAccessTokenHttp } from './token-commands-http.js';
import { addUser, FACTOR_COLUMNS, listUsers, resetFactors, setDisabled, setPassword, showFactors, USER_COLUMNS } from './user-commands.js';
import { addUserHttp, listUsersHttp, resetFactorsHttp, setDisabledHttp, setPasswordHttp, showFactorsHttp } from './user-commands-http.js';
import { formatTable, type Row } from './output.js';

type Values = Record<string, string | boolean | string[] | undefined>;
type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** What a command runs with over HTTP: a Management API client holding a token for its scopes. */
export interface HttpContext {
  api: ManagementClient;
  io: AdminIo;
}

interface Command {
  summary: string;
  /** What a successful run changes: recorded in the audit trail as `admin.change`. */
  changes?: 'client' | 'user' | 'token' | 'key';
  options?: OptionSpec;
  positionals?: string[];
  columns: string[];
  /** The Management API scopes the HTTP run asks for, and no more (`issuer`: the IdP's). */
  scopes: readonly ManagementScope[] | ((values: Values, issuer: string) => ManagementScope[]);
  /**
   * Changes an existing client: also asks for every admin scope the admin client holds, since the
   * API lets a caller change only a client whose admin scopes it holds itself.
   */
  changesAClient?: true;
  /** On the store (--direct). */
  run(ctx: AdminContext, values: Values, positionals: string[]): Promise<Row[]>;
  /** Over the Management API. */
  http(ctx: HttpContext, values: Values, positionals: string[]): Promise<Row[]>;
}

const str = (values: Values, name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
const list = (values: Values, name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : undefined);
const required = (values: Values, name: string) => {
  const value = values[name];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new UsageError(`--${name} is required`);
  return value;
};
const purpose = { purpose: { type: 'string' } } as const;
const clientFields: OptionSpec = {
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'backchannel-logout-uri': { type: 'string' },
  'first-party': { type: 'boolean' },
  'third-party': { type: 'boolean' },
};
function clientOptions(values: Values) {
  if (values['first-party'] && values['third-party']) throw new UsageError('--first-party and --third-party exclude each other');
  return {
    name: str(values, 'name'),
    redirectUris: list(values, 'redirect-uri'),
    postLogoutRedirectUris: list(values, 'post-logout-redirect-uri'),
    backchannelLogoutUri: str(values, 'backchannel-logout-uri'),
    firstParty: values['first-party'] ? true : values['third-party'] ? false : undefined,
  };
}

const GRANTS: readonly ClientGrant[] = ['authorization_code', 'client_credentials'];
/** --grant, repeatable: authorization_code (the default, with refresh tokens) and/or client_credentials. */
function grantsOf(values: Values): ClientGrant[] {
  const given = list(values, 'grant') ?? ['authorization_code'];
  const unknown = given.find((grant) => !(GRANTS as readonly string[]).includes(grant));
  if (unknown !== undefined) throw new UsageError(`--grant "${unknown}" is not one of ${GRANTS.join(', ')}`);
  return given as ClientGrant[];
}

const CLIENTS_READ: readonly ManagementScope[] = ['admin:clients:read'];
const CLIENTS_WRITE: readonly ManagementScope[] = ['admin:clients:write'];
// People are named by email: every change looks the id up first.
const USERS_WRITE: readonly ManagementScope[] = ['admin:users:read', 'admin:users:write'];
const SESSIONS_READ: readonly ManagementScope[] = ['admin:sessions:read'];

/** `clients add` options shared by both runs; --admin makes a machine client unless --grant says otherwise. */
function newClient(values: Values) {
  const grants = values.admin && values.grant === undefined ? (['client_credentials'] as ClientGrant[]) : grantsOf(values);
  return {
    ...clientOptions(values),
    name: required(values, 'name') as string,
    grants,
    // Only an app that signs people in needs one (the policy refuses one to any other).
    redirectUris: grants.includes('authorization_code') ? (required(values, 'redirect-uri') as string[]) : list(values, 'redirect-uri'),
    isPublic: values.public === true,
    id: str(values, 'id'),
  };
}

const apiGrantOf = (values: Values) => ({ resource: required(values, 'resource') as string, scopes: (str(values, 'scope') ?? '').split(' ').filter(Boolean) });

export const COMMANDS: Record<string, Command> = {
  'clients list': { summary: 'List registered client apps', columns: CLIENT_COLUMNS, scopes: CLIENTS_READ, run: (ctx) => listClients(ctx), http: ({ api }) => listClientsHttp(api) },
  'clients add': {
    changes: 'client',
    summary:
      'Register an app (prints its client_secret once); --public for no secret; --grant client_credentials for a machine client (no redirect URI); ' +
      '--admin for a machine client granted every Management API scope (how --direct bootstraps the first admin client)',
    options: { ...clientFields, public: { type: 'boolean' }, id: { type: 'string' }, grant: { type: 'string', multiple: true }, admin: { type: 'boolean' } },
    columns: CLIENT_WITH_SECRET_COLUMNS,
    // Handing on Management API scopes takes holding them (management/routes/clients.ts).
    scopes: (values) => (values.admin ? [...MANAGEMENT_SCOPES] : [...CLIENTS_WRITE]),
    async run(ctx, values) {
      const rows = await addClient(ctx, newClient(values));
      if (values.admin) {
        const resource = managementApiIdentifier(ctx.idp.config.issuer);
        await grantApi(ctx, String(rows[0]!.client_id), { resource, scopes: [...MANAGEMENT_SCOPES] });
        ctx.io.err(`Granted every Management API scope at ${resource}.`);
      }
      return rows;
    },
    http: ({ api }, values) => addClientHttp(api, { ...newClient(values), apiGrants: values.admin ? [{ resource: managementApiIdentifier(api.issuer), scopes: [...MANAGEMENT_SCOPES] }] : undefined }),
  },
  'clients show': { summary: 'Show one app', positionals: ['client_id'], columns: CLIENT_COLUMNS, scopes: CLIENTS_READ, run: (ctx, _v, [id]) => showClient(ctx, id!), http: ({ api }, _v, [id]) => showClientHttp(api, id!) },
  'clients update': {
    changesAClient: true,
    changes: 'client',
    summary: 'Change name, URIs or first-party status (lists replace the old ones)',
    positionals: ['client_id'],
    options: clientFields,
    columns: CLIENT_COLUMNS,
    scopes: CLIENTS_WRITE,
    run: (ctx, values, [id]) => updateClient(ctx, id!, clientOptions(values)),
    http: ({ api }, values, [id]) => updateClientHttp(api, id!, clientOptions(values)),
  },
  'clients remove': {
    changesAClient: true,
    summary: 'Delete an app',
    changes: 'client',
    positionals: ['client_id'],
    columns: ['client_id', 'removed'],
    scopes: CLIENTS_WRITE,
    run: (ctx, _v, [id]) => removeClient(ctx, id!),
    http: ({ api }, _v, [id]) => removeClientHttp(api, id!),
  },
  'clients rotate-secret': {
    changesAClient: true,
    changes: 'client',
    summary: 'Issue a new client_secret (the old one stops working)',
    positionals: ['client_id'],
    columns: CLIENT_WITH_SECRET_COLUMNS,
    scopes: CLIENTS_WRITE,
    run: (ctx, _v, [id]) => rotateSecret(ctx, id!),
    http: ({ api }, _v, [id]) => rotateSecretHttp(api, id!),
  },
  'clients grant-api': {
    changesAClient: true,
    changes: 'client',
    summary: 'Let a client_credentials client get tokens for an API: --resource <identifier> --scope "a b" (no --scope takes the access away)',
    positionals: ['client_id'],
    options: { resource: { type: 'string' }, scope: { type: 'string' } },
    columns: ['client_id', 'resource', 'scopes'],
    // Granting Management API scopes takes holding them.
    scopes: (values, issuer) => {
      const grant = apiGrantOf(values);
      const handedOn = grant.resource === managementApiIdentifier(issuer) ? grant.scopes.filter((scope): scope is ManagementScope => (MANAGEMENT_SCOPES as readonly string[]).includes(scope)) : [];
      return [...new Set<ManagementScope>(['admin:clients:read', ...CLIENTS_WRITE, ...handedOn])];
    },
    run: (ctx, values, [id]) => grantApi(ctx, id!, apiGrantOf(values)),
    http: ({ api }, values, [id]) => grantApiHttp(api, id!, apiGrantOf(values)),
  },
  'clients revoke-tokens': {
    changesAClient: true,
    changes: 'client',
    summary: 'End every Management API token the client holds now',
    positionals: ['client_id'],
    columns: ['client_id', 'tokens_revoked'],
    scopes: CLIENTS_WRITE,
    run: (ctx, _v, [id]) => revokeTokens(ctx, id!),
    http: ({ api }, _v, [id]) => revokeTokensHttp(api, id!),
  },
  'users add': {
    changes: 'user',
    summary: 'Create a user; the password is read from a prompt or stdin',
    options: { email: { type: 'string' }, name: { type: 'string' }, 'given-name': { type: 'string' }, 'family-name': { type: 'string' }, verified: { type: 'boolean' } },
    columns: USER_COLUMNS,
    scopes: ['admin:users:write'],
    run: (ctx, values) => addUser(ctx, newUser(values)),
    http: ({ api, io }, values) => addUserHttp(api, io, newUser(values)),
  },
  'users list': { summary: 'List users', columns: USER_COLUMNS, scopes: ['admin:users:read'], run: (ctx) => listUsers(ctx), http: ({ api }) => listUsersHttp(api) },
  'users disable': {
    summary: 'Block sign-in and end every session, grant and token of the user',
    positionals: ['email'],
    columns: USER_COLUMNS,
    scopes: USERS_WRITE,
    run: (ctx, _v, [email]) => setDisabled(ctx, email!, true),
    http: ({ api, io }, _v, [email]) => setDisabledHttp(api, io, email!, true),
  },
  'users enable': {
    summary: 'Allow sign-in again',
    positionals: ['email'],
    columns: USER_COLUMNS,
    scopes: USERS_WRITE,
    run: (ctx, _v, [email]) => setDisabled(ctx, email!, false),
    http: ({ api, io }, _v, [email]) => setDisabledHttp(api, io, email!, false),
  },
  'users set-password': {
    summary: 'Set a password (prompt or stdin); ends every session, grant and token of the user',
    positionals: ['email'],
    columns: USER_COLUMNS,
    scopes: USERS_WRITE,
    run: (ctx, _v, [email]) => setPassword(ctx, email!),
    http: ({ api, io }, _v, [email]) => setPasswordHttp(api, io, email!),
  },
  'users factors': {
    summary: "Whether a user has passkeys, an authenticator app and recovery codes (never the factors themselves)",
    positionals: ['email'],
    columns: FACTOR_COLUMNS,
    scopes: ['admin:users:read'],
    run: (ctx, _v, [email]) => showFactors(ctx, email!),
    http: ({ api }, _v, [email]) => showFactorsHttp(api, email!),
  },
  'users reset-factors': {
    summary: 'Remove every passkey, the authenticator app and the recovery codes of a user (a lost device); ends every session',
    positionals: ['email'],
    columns: FACTOR_COLUMNS,
    scopes: USERS_WRITE,
    run: (ctx, _v, [email]) => resetFactors(ctx, email!),
    http: ({ api, io }, _v, [email]) => resetFactorsHttp(api, io, email!),
  },
  'tokens create-initial-access': {
    changes: 'token',
    summary: 'Mint an initial access token for dynamic registration (--expires-in 7d, --single-use)',
    options: { 'expires-in': { type: 'string' }, 'single-use': { type: 'boolean' } },
    columns: TOKEN_COLUMNS,
    scopes: ['admin:tokens:write'],
    run: (ctx, values) => createInitialAccessToken(ctx, { expiresIn: str(values, 'expires-in'), singleUse: values['single-use'] === true }),
    http: ({ api }, values) => createInitialAccessTokenHttp(api, { expiresIn: str(values, 'expires-in'), singleUse: values['single-use'] === true }),
  },
  'tokens list-initial-access': {
    summary: 'List the initial access tokens that still work, by id (a handle, never the token)',
    columns: LISTED_TOKEN_COLUMNS,
    scopes: ['admin:tokens:write'],
    run: (ctx) => listInitialAccessTokensDirect(ctx),
    http: ({ api }) => listInitialAccessTokensHttp(api),
  },
  'tokens revoke-initial-access': {
    changes: 'token',
    summary: 'Revoke an initial access token by its id (from tokens list-initial-access): registration refuses it from now on',
    positionals: ['id'],
    columns: ['id', 'revoked'],
    scopes: ['admin:tokens:write'],
    run: (ctx, _v, [id]) => revokeInitialAccessTokenDirect(ctx, id!),
    http: ({ api }, _v, [id]) => revokeInitialAccessTokenHttp(api, id!),
  },
  'keys list': {
    summary: 'List signing keys and cookie secrets with their state',
    options: purpose,
    columns: KEY_COLUMNS,
    scopes: ['admin:keys:read'],
    run: (ctx, values) => listKeys(ctx, { purpose: str(values, 'purpose') }),
    http: ({ api }, values) => listKeysHttp(api, { purpose: str(values, 'purpose') }),
  },
  'keys rotate': {
    changes: 'key',
    summary: 'Add successor keys: published now, signing after two refresh intervals',
    options: purpose,
    columns: KEY_COLUMNS,
    scopes: ['admin:keys:write'],
    run: (ctx, values) => rotate(ctx, { purpose: str(values, 'purpose') }),
    http: ({ api }, values) => rotateHttp(api, { purpose: str(values, 'purpose') }),
  },
  'audit list': {
    summary: 'Security events, newest first (--limit 50, --type sign_in.failed, --email, --before <date>)',
    options: { limit: { type: 'string' }, type: { type: 'string' }, email: { type: 'string' }, before: { type: 'string' } },
    columns: AUDIT_COLUMNS,
    // --email is looked up among the users first.
    scopes: (values) => (values.email === undefined ? ['admin:audit:read'] : ['admin:audit:read', 'admin:users:read']),
    run: (ctx, values) => listAudit(ctx, auditOptions(values)),
    http: ({ api, io }, values) => listAuditHttp(api, io, auditOptions(values)),
  },
  'logouts list': {
    summary: "Back-channel logouts owed or made in the last day, oldest first (--state pending|delivered|refused|given_up, --client <id>)",
    options: { state: { type: 'string' }, client: { type: 'string' } },
    columns: LOGOUT_COLUMNS,
    scopes: SESSIONS_READ,
    run: (ctx, values) => listLogouts(ctx, logoutListOptions(str(values, 'state'), str(values, 'client'))),
    http: ({ api }, values) => listLogoutsHttp(api, logoutListOptions(str(values, 'state'), str(values, 'client'))),
  },
  'logouts stats': {
    summary: 'Pending back-channel logouts, the oldest pending age, and those refused or given up in the last day',
    columns: LOGOUT_STATS_COLUMNS,
    scopes: SESSIONS_READ,
    run: (ctx) => logoutStats(ctx),
    http: ({ api }) => logoutStatsHttp(api),
  },
  'keys prune': {
    summary: 'Delete keys whose tokens have all expired',
    changes: 'key',
    options: purpose,
    columns: ['id', 'purpose', 'removed'],
    scopes: ['admin:keys:write'],
    run: (ctx, values) => prune(ctx, { purpose: str(values, 'purpose') }),
    http: ({ api }, values) => pruneHttp(api, { purpose: str(values, 'purpose') }),
  },
};

function newUser(values: Values) {
  return {
    email: required(values, 'email') as string,
    name: required(values, 'name') as string,
    givenName: str(values, 'given-name'),
    familyName: str(values, 'family-name'),
    verified: values.verified === true,
  };
}

const auditOptions = (values: Values) => ({ limit: str(values, 'limit'), type: str(values, 'type'), email: str(values, 'email'), before: str(values, 'before') });

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => {
    const args = [...(command.positionals ?? []).map((p) => `<${p}>`), ...Object.keys(command.options ?? {}).map((o) => `[--${o}]`)].join(' ');
    return `  ${name} ${args}\n      ${command.summary}`;
  });
  return [
    'Usage: npm run admin -- <command> [options] [--json] [--issuer <url>] [--client-id <id>]',
    '       npm run admin -- --direct <command> [options] [--json]   (on the store: MONGODB_URI, for bootstrapping)',
    '',
    'Over HTTP the CLI uses the Management API of the IdP at SSO_ADMIN_ISSUER (or --issuer), as the admin client',
    'SSO_ADMIN_CLIENT_ID (or --client-id) with the secret SSO_ADMIN_CLIENT_SECRET (or typed at the prompt; never a flag).',
    '',
    'Commands:',
    ...lines,
  ].join('\n');
}

/** Options every command takes over HTTP (--json everywhere). */
const CONNECTION: OptionSpec = { issuer: { type: 'string' }, 'client-id': { type: 'string' } };

function parseOptions(args: string[], command: Command) {
  // A secret on the command line lands in shell history and `ps`: say so rather than "unknown option".
  if (args.some((arg) => arg === '--client-secret' || arg.startsWith('--client-secret='))) {
    throw new UsageError('The client secret is never a flag (it would land in shell history and ps): set SSO_ADMIN_CLIENT_SECRET or type it at the prompt');
  }
  try {
    return parseArgs({ args, options: { ...command.options, ...CONNECTION, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Who changed what: client ids as they are, people by pseudonym (the audit trail holds no emails). */
async function recordChange(ctx: AdminContext, command: string, kind: NonNullable<Command['changes']>, target: string | undefined, rows: Row[]): Promise<void> {
  const clientId = kind === 'client' ? (target ?? (typeof rows[0]?.client_id === 'string' ? rows[0].client_id : undefined)) : undefined;
  const subject = kind === 'user' && target ? ctx.idp.pseudonyms.ofEmail(target) : undefined;
  await ctx.idp.events.record({ type: 'admin.change', clientId, subject, detail: { command, by: 'admin' } });
}

type Perform = (name: string, command: Command, values: Values, positionals: string[]) => Promise<Row[]>;

/** Parses, runs one way or the other, prints; turns refusals into exit codes. */
async function execute(argv: string[], io: AdminIo, perform: Perform): Promise<number> {
  const name = argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(argv.length === 0 ? 'No command given' : `Unknown command "${name}"`);
    const { values, positionals } = parseOptions(argv.slice(2), command);
    const expected = command.positionals ?? [];
    if (positionals.length !== expected.length) {
      throw new UsageError(`"${name}" takes ${expected.length ? expected.map((p) => `<${p}>`).join(' ') : 'no arguments'}`);
    }
    const rows = await perform(name, command, values, positionals);
    io.out(values.json ? JSON.stringify(rows, null, 2) : formatTable(rows, command.columns));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${usage()}`);
      return 2;
    }
    if (error instanceof MissingCredentialsError) {
      io.err(error.message);
      return 2;
    }
    if (isAppError(error) && error.expose) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** `--direct`: on the store the CLI opened itself (bootstrapping a fresh database, or no IdP running). */
export function runAdmin(argv: string[], ctx: AdminContext): Promise<number> {
  return execute(argv, ctx.io, async (name, command, values, positionals) => {
    if (values.issuer !== undefined || values['client-id'] !== undefined) throw new UsageError('--issuer and --client-id are for the Management API; --direct works on the store (MONGODB_URI)');
    const rows = await command.run(ctx, values, positionals);
    if (command.changes) await recordChange(ctx, name, command.changes, positionals[0] ?? str(values, 'email'), rows);
    return rows;
  });
}

export interface HttpRunOptions {
  io: AdminIo;
  /** SSO_ADMIN_ISSUER, SSO_ADMIN_CLIENT_ID, SSO_ADMIN_CLIENT_SECRET (config.ts reads them). */
  env: AdminCliEnvironment;
  fetch: FetchFunction;
}

/** The normal way: through a running IdP's Management API, which records every change itself. */
export function runAdminOverHttp(argv: string[], options: HttpRunOptions): Promise<number> {
  return execute(argv, options.io, async (_name, command, values, positionals) => {
    const credentials = await resolveCredentials({ issuer: str(values, 'issuer'), clientId: str(values, 'client-id') }, options.env, options.io);
    const scopes = typeof command.scopes === 'function' ? command.scopes(values, credentials.issuer) : command.scopes;
    const api = createManagementClient(credentials, { scopes, widen: command.changesAClient ? MANAGEMENT_SCOPES : undefined, fetch: options.fetch });
    return command.http({ api, io: options.io }, values, positionals);
  });
}
