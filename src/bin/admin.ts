/**
 * `npm run admin -- <command>`: the admin CLI on the IdP's MongoDB store (MONGODB_URI). The
 * in-memory store lives inside one running IdP process, so a separate CLI process can't reach
 * it: the CLI refuses to run without MONGODB_URI.
 */
import { createInterface } from 'node:readline';
import { runAdmin, usage } from '../admin/cli.js';
import type { AdminIo } from '../admin/context.js';
import { loadConfig } from '../config.js';
import { isAppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createIdp } from '../idp.js';
import { createMongoStorage } from '../storage/mongo/index.js';
import { mongoConnectOptions } from '../storage/index.js';

function terminalIo(): AdminIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    async readSecret(prompt) {
      const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined, terminal: process.stdin.isTTY });
      if (process.stdin.isTTY) {
        process.stderr.write(prompt);
        // Don't echo what is typed.
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
      }
      const line = await new Promise<string>((resolve) => rl.once('line', resolve).once('close', () => resolve('')));
      rl.close();
      if (process.stdin.isTTY) process.stderr.write('\n');
      return line;
    },
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const io = terminalIo();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const config = loadConfig();
  if (!config.mongodbUri) {
    io.err('The admin CLI works on the IdP\'s MongoDB store: set MONGODB_URI (the in-memory store lives inside the running demo process and is not reachable from here).');
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
