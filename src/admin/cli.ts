/**
 * The admin CLI: `admin <group> <command> [options]`. Works directly on the IdP's store. Every
 * command returns rows, printed as a table or, with --json, as JSON. Exit codes: 0 done,
 * 1 refused (bad input, not found), 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import { isAppError } from '../errors.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import { AUDIT_COLUMNS, listAudit } from './audit-commands.js';
import type { ClientGrant } from '../client-apps/client-apps.js';
import { addClient, CLIENT_COLUMNS, CLIENT_WITH_SECRET_COLUMNS, grantApi, listClients, removeClient, revokeTokens, rotateSecret, showClient, updateClient } from './client-commands.js';
import { KEY_COLUMNS, listKeys, prune, rotate } from './keys-commands.js';
import { createInitialAccessToken, TOKEN_COLUMNS } from './token-commands.js';
import { addUser, listUsers, setDisabled, setPassword, USER_COLUMNS } from './user-commands.js';
import { formatTable, type Row } from './output.js';

type Values = Record<string, string | boolean | string[] | undefined>;
type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

interface Command {
  summary: string;
  /** What a successful run changes: recorded in the audit trail as `admin.change`. */
  changes?: 'client' | 'user' | 'token' | 'key';
  options?: OptionSpec;
  positionals?: string[];
  columns: string[];
  run(ctx: AdminContext, values: Values, positionals: string[]): Promise<Row[]>;
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

export const COMMANDS: Record<string, Command> = {
  'clients list': { summary: 'List registered client apps', columns: CLIENT_COLUMNS, run: (ctx) => listClients(ctx) },
  'clients add': {
    changes: 'client',
    summary: 'Register an app (prints its client_secret once); --public for no secret; --grant client_credentials for a machine client (no redirect URI)',
    options: { ...clientFields, public: { type: 'boolean' }, id: { type: 'string' }, grant: { type: 'string', multiple: true } },
    columns: CLIENT_WITH_SECRET_COLUMNS,
    run: (ctx, values) => {
      const grants = grantsOf(values);
      return addClient(ctx, {
        ...clientOptions(values),
        name: required(values, 'name') as string,
        grants,
        // Only an app that signs people in needs one (the policy refuses one to any other).
        redirectUris: grants.includes('authorization_code') ? (required(values, 'redirect-uri') as string[]) : list(values, 'redirect-uri'),
        isPublic: values.public === true,
        id: str(values, 'id'),
      });
    },
  },
  'clients show': { summary: 'Show one app', positionals: ['client_id'], columns: CLIENT_COLUMNS, run: (ctx, _v, [id]) => showClient(ctx, id!) },
  'clients update': {
    changes: 'client',
    summary: 'Change name, URIs or first-party status (lists replace the old ones)',
    positionals: ['client_id'],
    options: clientFields,
    columns: CLIENT_COLUMNS,
    run: (ctx, values, [id]) => updateClient(ctx, id!, clientOptions(values)),
  },
  'clients remove': { summary: 'Delete an app', changes: 'client', positionals: ['client_id'], columns: ['client_id', 'removed'], run: (ctx, _v, [id]) => removeClient(ctx, id!) },
  'clients rotate-secret': {
    changes: 'client',
    summary: 'Issue a new client_secret (the old one stops working)',
    positionals: ['client_id'],
    columns: CLIENT_WITH_SECRET_COLUMNS,
    run: (ctx, _v, [id]) => rotateSecret(ctx, id!),
  },
  'clients grant-api': {
    changes: 'client',
    summary: 'Let a client_credentials client get tokens for an API: --resource <identifier> --scope "a b" (no --scope takes the access away)',
    positionals: ['client_id'],
    options: { resource: { type: 'string' }, scope: { type: 'string' } },
    columns: ['client_id', 'resource', 'scopes'],
    run: (ctx, values, [id]) => grantApi(ctx, id!, { resource: required(values, 'resource') as string, scopes: (str(values, 'scope') ?? '').split(' ').filter(Boolean) }),
  },
  'clients revoke-tokens': {
    changes: 'client',
    summary: 'End every Management API token the client holds now',
    positionals: ['client_id'],
    columns: ['client_id', 'tokens_revoked'],
    run: (ctx, _v, [id]) => revokeTokens(ctx, id!),
  },
  'users add': {
    changes: 'user',
    summary: 'Create a user; the password is read from a prompt or stdin',
    options: { email: { type: 'string' }, name: { type: 'string' }, 'given-name': { type: 'string' }, 'family-name': { type: 'string' }, verified: { type: 'boolean' } },
    columns: USER_COLUMNS,
    run: (ctx, values) =>
      addUser(ctx, {
        email: required(values, 'email') as string,
        name: required(values, 'name') as string,
        givenName: str(values, 'given-name'),
        familyName: str(values, 'family-name'),
        verified: values.verified === true,
      }),
  },
  'users list': { summary: 'List users', columns: USER_COLUMNS, run: (ctx) => listUsers(ctx) },
  'users disable': { summary: 'Block sign-in and end every session, grant and token of the user', positionals: ['email'], columns: USER_COLUMNS, run: (ctx, _v, [email]) => setDisabled(ctx, email!, true) },
  'users enable': { summary: 'Allow sign-in again', positionals: ['email'], columns: USER_COLUMNS, run: (ctx, _v, [email]) => setDisabled(ctx, email!, false) },
  'users set-password': { summary: 'Set a password (prompt or stdin); ends every session, grant and token of the user', positionals: ['email'], columns: USER_COLUMNS, run: (ctx, _v, [email]) => setPassword(ctx, email!) },
  'tokens create-initial-access': {
    changes: 'token',
    summary: 'Mint an initial access token for dynamic registration (--expires-in 7d, --single-use)',
    options: { 'expires-in': { type: 'string' }, 'single-use': { type: 'boolean' } },
    columns: TOKEN_COLUMNS,
    run: (ctx, values) => createInitialAccessToken(ctx, { expiresIn: str(values, 'expires-in'), singleUse: values['single-use'] === true }),
  },
  'keys list': { summary: 'List signing keys and cookie secrets with their state', options: purpose, columns: KEY_COLUMNS, run: (ctx, values) => listKeys(ctx, { purpose: str(values, 'purpose') }) },
  'keys rotate': {
    changes: 'key',
    summary: 'Add successor keys: published now, signing after two refresh intervals',
    options: purpose,
    columns: KEY_COLUMNS,
    run: (ctx, values) => rotate(ctx, { purpose: str(values, 'purpose') }),
  },
  'audit list': {
    summary: 'Security events, newest first (--limit 50, --type sign_in.failed, --email, --before <date>)',
    options: { limit: { type: 'string' }, type: { type: 'string' }, email: { type: 'string' }, before: { type: 'string' } },
    columns: AUDIT_COLUMNS,
    run: (ctx, values) => listAudit(ctx, { limit: str(values, 'limit'), type: str(values, 'type'), email: str(values, 'email'), before: str(values, 'before') }),
  },
  'keys prune': { summary: 'Delete keys whose tokens have all expired', changes: 'key', options: purpose, columns: ['id', 'purpose', 'removed'], run: (ctx, values) => prune(ctx, { purpose: str(values, 'purpose') }) },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => {
    const args = [...(command.positionals ?? []).map((p) => `<${p}>`), ...Object.keys(command.options ?? {}).map((o) => `[--${o}]`)].join(' ');
    return `  ${name} ${args}\n      ${command.summary}`;
  });
  return ['Usage: npm run admin -- <command> [options] [--json]', '', 'Commands:', ...lines].join('\n');
}

function parseOptions(args: string[], command: Command) {
  try {
    return parseArgs({ args, options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
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

export async function runAdmin(argv: string[], ctx: AdminContext): Promise<number> {
  const name = argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(argv.length === 0 ? 'No command given' : `Unknown command "${name}"`);
    const { values, positionals } = parseOptions(argv.slice(2), command);
    const expected = command.positionals ?? [];
    if (positionals.length !== expected.length) {
      throw new UsageError(`"${name}" takes ${expected.length ? expected.map((p) => `<${p}>`).join(' ') : 'no arguments'}`);
    }
    const rows = await command.run(ctx, values, positionals);
    if (command.changes) await recordChange(ctx, name, command.changes, positionals[0] ?? str(values as Values, 'email'), rows);
    ctx.io.out(values.json ? JSON.stringify(rows, null, 2) : formatTable(rows, command.columns));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.io.err(`${error.message}\n\n${usage()}`);
      return 2;
    }
    if (isAppError(error) && error.expose) {
      ctx.io.err(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
