import type { Config } from '../config.js';
import type { Storage } from '../storage/types.js';

/** Where the admin CLI reads and writes: a terminal, or a test. */
export interface AdminIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a secret from a prompt (TTY) or one line of stdin; never from the command line. */
  readSecret(prompt: string): Promise<string>;
}

export interface AdminContext {
  config: Readonly<Config>;
  storage: Storage;
  io: AdminIo;
}

/** Wrong command-line use: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
