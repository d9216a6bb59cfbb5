/**
 * A process that logs through the IdP's default logger (standard output) faster than its reader
 * takes the lines: `log-flood.ts <lines>` logs that many ~450-character lines at once, then says
 * on standard error how much standard output held at most, and exits once it has all been read.
 */
import { once } from 'node:events';
import { createLogger } from '../../src/logger.js';

const lines = Number(process.argv[2]);
const logger = createLogger('info');
const padding = 'x'.repeat(400);
let mostHeld = 0;
for (let line = 0; line < lines; line += 1) {
  logger.info('flood.line', { line, padding });
  mostHeld = Math.max(mostHeld, process.stdout.writableLength);
}
process.stderr.write(`flooded ${JSON.stringify({ mostHeld, heldAtEnd: process.stdout.writableLength })}\n`);
// The lines_dropped line is written on the 'drain' after this one: wait for both.
while (process.stdout.writableLength > 0) await once(process.stdout, 'drain');
await new Promise((resolve) => setImmediate(resolve));
while (process.stdout.writableLength > 0) await once(process.stdout, 'drain');
