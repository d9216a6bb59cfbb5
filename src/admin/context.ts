import type { Idp } from '../idp.js';

/** Where the admin CLI reads and writes: a terminal, or a test. */
export interface AdminIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a secret from a prompt (TTY) or one line of stdin; never from the command line. */
  readSecret(prompt: string): Promise<string>;
}

export interface AdminContext {
  /** An IdP built on the store the CLI works on (not listening): its provider validates clients. */
  idp: Idp;
  io: AdminIo;
}

/** Wrong command-line use: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
