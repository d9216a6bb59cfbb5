/** Runs the admin CLI in-process against a store, capturing what it prints. */
import { runAdmin } from '../../src/admin/cli.js';
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
