/**
 * `npm run admin -- <command>`: the admin CLI, through a running IdP's Management API
 * (SSO_ADMIN_ISSUER, SSO_ADMIN_CLIENT_ID, SSO_ADMIN_CLIENT_SECRET), so it works on any store,
 * the demo's in-memory one included. `--direct` works on the IdP's MongoDB store instead
 * (MONGODB_URI), for bootstrapping the first admin client; the in-memory store lives inside one
 * running IdP process, so --direct refuses to run without MONGODB_URI.
 */
import { createInterface } from 'node:readline';
import { runAdmin, runAdminOverHttp, usage } from '../admin/cli.js';
import type { AdminIo } from '../admin/context.js';
import { adminCliEnvironment, loadConfig } from '../config.js';
import { isAppError } from '../errors.js';
import { createLoopbackFetch } from '../http/loopback-resolver.js';
import { createLogger } from '../logger.js';
import { createIdp } from '../idp.js';
import { createMongoStorage } from '../storage/mongo/index.js';
import { mongoConnectOptions } from '../storage/index.js';

/**
 * One reader for the whole run: the client secret and then a password may both come from piped
 * stdin, one line each, and a second readline would lose what the first one buffered.
 */
function terminalIo(): AdminIo {
  const tty = process.stdin.isTTY === true;
  let rl: ReturnType<typeof createInterface> | undefined;
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let closed = false;
  const open = () => {
    rl = createInterface({ input: process.stdin, output: tty ? process.stderr : undefined, terminal: tty });
    // Don't echo what is typed.
    if (tty) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    rl.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : lines.push(line)));
    rl.once('close', () => {
      closed = true;
      for (const resolve of waiting.splice(0)) resolve('');
    });
  };
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    async readSecret(prompt) {
      if (!rl) open();
      if (tty) process.stderr.write(prompt);
      const line = lines.length > 0 ? lines.shift()! : closed ? '' : await new Promise<string>((resolve) => waiting.push(resolve));
      if (tty) process.stderr.write('\n');
      return line;
    },
  };
}

async function main(): Promise<number> {
  const given = process.argv.slice(2);
  const direct = given.includes('--direct');
  const argv = given.filter((arg) => arg !== '--direct');
  const io = terminalIo();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? 2 : 0;
  }
  if (!direct) return runAdminOverHttp(argv, { io, env: adminCliEnvironment(), fetch: createLoopbackFetch() });
  const config = loadConfig();
  if (!config.mongodbUri) {
    io.err('--direct works on the IdP\'s MongoDB store: set MONGODB_URI (the in-memory store lives inside the running demo process and is not reachable from here; without --direct the CLI uses the running IdP\'s Management API).');
    return 2;
  }
  const storage = await createMongoStorage(config.mongodbUri, createLogger('warn'), mongoConnectOptions(config));
  const idp = await createIdp(config, { storage, logger: createLogger('warn') });
  try {
    return await runAdmin(argv, { idp, io });
  } finally {
    await idp.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${isAppError(error) && error.expose ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
