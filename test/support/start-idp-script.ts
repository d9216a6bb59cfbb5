/**
 * `npm run start:idp` as package.json has it, read rather than restated, so tests check what users
 * run: the environment it sets before node, and node's command line.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StartIdpScript {
  /** The leading NAME=... words as written, for a shell to expand. */
  assignments: string[];
  /** What they set when none of the variables is set beforehand. */
  env: Record<string, string>;
  command: string;
  args: string[];
}

/**
 * Assignments take three forms: NAME=value, NAME=${NAME:-default} (the operator's value instead)
 * and NAME=value${NAME:+:$NAME} (ours, then the operator's own).
 */
export function readStartIdpScript(): StartIdpScript {
  const script = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts['start:idp'] ?? '';
  const words = script.split(/\s+/);
  const assignments: string[] = [];
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? '')) {
    const word = words.shift()!;
    assignments.push(word);
    const [name, value] = word.split(/=(.*)/s) as [string, string];
    env[name] = /^\$\{[A-Z_]+:-(.*)\}$/.exec(value)?.[1] ?? value.replace(/\$\{[A-Z_]+:\+:\$[A-Z_]+\}$/, '');
  }
  const [command = '', ...args] = words;
  return { assignments, env, command, args };
}
