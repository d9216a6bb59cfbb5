/** Runs one of our entry points as a real child process and collects what it prints. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** tsx, as npm scripts run .ts entries. */
export const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface Run {
  code: number | null;
  output: string;
}

/** Runs until exit, or until `until` matches the output (then the process is stopped). */
export function runEntry(entry: string, args: string[], env: Record<string, string>, options: { until?: RegExp; timeoutMs?: number; input?: string } = {}): Promise<Run> {
  // .ts entries run through tsx (as npm scripts do); a .js one runs with plain node, as installed.
  const [command, commandArgs] = entry.endsWith('.js') ? [process.execPath, [entry, ...args]] : [TSX, [entry, ...args]];
  const child = spawn(command, commandArgs, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.until?.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface Running {
  /** What it printed up to the moment `ready` matched. */
  output: string;
  stop(): Promise<void>;
}

/** Starts an entry point that keeps running (a server), resolving once `ready` matches its output. */
export function startEntry(entry: string, env: Record<string, string>, options: { ready: RegExp; timeoutMs?: number }): Promise<Running> {
  const child = spawn(TSX, [entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${entry} did not get ready in time:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve({ output, stop });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited before it was ready:\n${output}`));
    });
  });
}
