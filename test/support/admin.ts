/** Runs the admin CLI in-process, on a store (--direct) or over HTTP, capturing what it prints. */
import { runAdmin, runAdminOverHttp } from '../../src/admin/cli.js';
import type { AdminCliEnvironment } from '../../src/config.js';
import { fetchLoopback } from './oidc-flow.js';
import type { Idp } from '../../src/idp.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  json<T = Record<string, unknown>[]>(): T;
}

export async function runCli(idp: Idp, argv: string[], options: { secrets?: string[] } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const secrets = [...(options.secrets ?? [])];
  const code = await runAdmin(argv, {
    idp,
    io: {
      out: (text) => {
        out += `${text}\n`;
      },
      err: (text) => {
        err += `${text}\n`;
      },
      readSecret: async () => secrets.shift() ?? '',
    },
  });
  return { code, out, err, json: <T>() => JSON.parse(out) as T };
}

/**
 * Runs the admin CLI's HTTP entry in-process, as the binary does without --direct: `env` stands
 * for SSO_ADMIN_ISSUER, SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET; `secrets` are the lines
 * typed at the prompts (the client secret when `env` has none, then passwords).
 */
export async function runCliOverHttp(env: AdminCliEnvironment, argv: string[], options: { secrets?: string[] } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const secrets = [...(options.secrets ?? [])];
  const code = await runAdminOverHttp(argv, {
    env,
    fetch: fetchLoopback,
    io: {
      out: (text) => {
        out += `${text}\n`;
      },
      err: (text) => {
        err += `${text}\n`;
      },
      readSecret: async () => secrets.shift() ?? '',
    },
  });
  return { code, out, err, json: <T>() => JSON.parse(out) as T };
}
