/**
 * The admin CLI: `admin <group> <command> [options]`. Works directly on the IdP's store. Every
 * command returns rows, printed as a table or, with --json, as JSON. Exit codes: 0 done,
 * 1 refused (bad input, not found), 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import { isAppError } from '../errors.js';
import type { AdminContext } from './context.js';
import { UsageError } from './context.js';
import { KEY_COLUMNS, listKeys, prune, rotate } from './keys-commands.js';
import { formatTable, type Row } from './output.js';

type Values = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean' }>;
  positionals?: string[];
  columns: string[];
  run(ctx: AdminContext, values: Values, positionals: string[]): Promise<Row[]>;
}

const str = (values: Values, name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);

export const COMMANDS: Record<string, Command> = {
  'keys list': {
    summary: 'List signing keys and cookie secrets with their state',
    options: { purpose: { type: 'string' } },
    columns: KEY_COLUMNS,
    run: (ctx, values) => listKeys(ctx, { purpose: str(values, 'purpose') }),
  },
  'keys rotate': {
    summary: 'Add successor keys: published now, signing after two refresh intervals (--purpose signing|cookie|all)',
    options: { purpose: { type: 'string' } },
    columns: KEY_COLUMNS,
    run: (ctx, values) => rotate(ctx, { purpose: str(values, 'purpose') }),
  },
  'keys prune': {
    summary: 'Delete keys whose tokens have all expired',
    options: { purpose: { type: 'string' } },
    columns: ['id', 'purpose', 'removed'],
    run: (ctx, values) => prune(ctx, { purpose: str(values, 'purpose') }),
  },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => {
    const args = [...(command.positionals ?? []).map((p) => `<${p}>`), ...Object.keys(command.options ?? {}).map((o) => `[--${o}]`)].join(' ');
    return `  ${`${name} ${args}`.padEnd(58)} ${command.summary}`;
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
