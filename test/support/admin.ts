/** Runs the admin CLI in-process, on a store (--direct) or over HTTP, capturing what it prints. */
import { runAdmin, runAdminOverHttp } from '../../src/admin/cli.js';
import type { AdminIo } from '../../src/admin/context.js';
import type { AdminCliEnvironment } from '../../src/config.js';
import { fetchLoopback } from './oidc-flow.js';
import type { Idp } from '../../src/idp.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  json<T = Record<string, unknown>[]>(): T;
}

/** `secrets`: the lines typed at the prompts, in order. */
async function capture(secrets: readonly string[] = [], run: (io: AdminIo) => Promise<number>): Promise<CliRun> {
  let out = '';
  let err = '';
  const typed = [...secrets];
  const code = await run({
    out: (text) => {
      out += `${text}\n`;
    },
    err: (text) => {
      err += `${text}\n`;
    },
    readSecret: async () => typed.shift() ?? '',
  });
  const json = <T>() => {
    // A failed command prints nothing to parse: say what it printed instead.
    if (!out.trim()) throw new Error(`the admin CLI printed no JSON (exit ${code}); stderr: ${err.trim() || '(empty)'}`);
    return JSON.parse(out) as T;
  };
  return { code, out, err, json };
}

export function runCli(idp: Idp, argv: string[], options: { secrets?: string[] } = {}): Promise<CliRun> {
  return capture(options.secrets, (io) => runAdmin(argv, { idp, io }));
}

/**
 * Runs the admin CLI's HTTP entry in-process, as the binary does without --direct: `env` stands
 * for SSO_ADMIN_ISSUER, SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET; `secrets` are the lines
 * typed at the prompts (the client secret when `env` has none, then passwords).
 */
export function runCliOverHttp(env: AdminCliEnvironment, argv: string[], options: { secrets?: string[] } = {}): Promise<CliRun> {
  return capture(options.secrets, (io) => runAdminOverHttp(argv, { env, fetch: fetchLoopback, io }));
}
