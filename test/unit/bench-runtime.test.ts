/**
 * How `npm run bench` starts its two servers (RUNTIME in bench/harness/servers.ts): both as plain
 * JavaScript under plain node, ours as the production build, so neither pays a TypeScript loader
 * in what is measured (issue 10). The smoke run in CI (.ci/run) proves they start; this pins how,
 * because a loader slipped back in would start and pass the smoke run all the same.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RUNTIME } from '../../bench/harness/servers.js';
import { PRODUCTION_RUNTIME_ENV } from '../../src/bin/malloc-tunables.js';
import { readStartIdpScript } from '../support/start-idp-script.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run bench servers (RUNTIME)', () => {
  it('runs both with plain node on JavaScript entries, with no TypeScript loader', () => {
    for (const { nodeArgs, entry } of Object.values(RUNTIME)) {
      expect(nodeArgs.filter((arg) => /^--(import|loader|experimental-loader)$|tsx|ts-node/.test(arg))).toEqual([]);
      expect(entry).toMatch(/\.m?js$/);
    }
  });

  it('runs our IdP as the production build: its thread-pool preload, and every module of ours from dist/', () => {
    expect(RUNTIME.ours.nodeArgs).toEqual(['--require', './dist/bin/thread-pool.cjs']);
    // The environment `npm run start:idp` sets before node.
    const assignments = readStartIdpScript().env;
    expect(assignments).toEqual(PRODUCTION_RUNTIME_ENV);
    expect(RUNTIME.ours.env).toEqual(assignments);
    const source = readFileSync(`${ROOT}${RUNTIME.ours.entry}`, 'utf8');
    const imported = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !specifier?.startsWith('../dist/'))).toEqual([]);
  });
});
