/**
 * How our entry points run: start, stop everything cleanly on SIGINT/SIGTERM, and on a start-up
 * failure print the reason (only what is meant for people) and exit 1.
 */
import { isAppError } from '../errors.js';
import { close, type Server } from '../http/listen.js';

export interface Running {
  servers: Server[];
  stop(): Promise<void>;
}

export function runMain(start: () => Promise<Running>): void {
  start().then(
    (running) => {
      const shutdown = async () => {
        await Promise.all(running.servers.map(close));
        await running.stop();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (error: unknown) => {
      console.error(isAppError(error) && error.expose ? error.message : error);
      process.exit(1);
    },
  );
}
