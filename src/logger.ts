/**
 * Structured one-line JSON logs. Secrets never reach them: any field whose name looks like it
 * carries a credential is replaced before printing (STYLE rule 11).
 */
import type { LogLevel } from './config.js';
import { boundedLineSink, type LineSink } from './log-sink.js';

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
// Field names that carry credentials; `code` is an authorization code, so error codes are
// logged as `error_code`.
const SECRET_FIELD = /pass(word)?|secret|token|cookie|authorization|code_verifier|^code$|assertion|key/i;

function redactValue(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') return redact(value as Record<string, unknown>);
  return value;
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) out[name] = SECRET_FIELD.test(name) ? '[redacted]' : redactValue(value);
  return out;
}

/** `write`: where each line goes; by default standard output, with what waits for it bounded (log-sink.ts). */
export function createLogger(level: LogLevel, write: LineSink = boundedLineSink(process.stdout)): Logger {
  const emit = (at: Exclude<LogLevel, 'silent'>) => (event: string, fields: Record<string, unknown> = {}) => {
    if (order[at] < order[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, event, ...redact(fields) }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
