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

  it('runs our IdP as the production build: its thread-pool preload, and every module of ours from dist/ (or a kept copy of it)', () => {
    expect(RUNTIME.ours.nodeArgs).toEqual(['--require', './dist/bin/thread-pool.cjs']);
    // The environment `npm run start:idp` sets before node.
    const assignments = readStartIdpScript().env;
    expect(assignments).toEqual(PRODUCTION_RUNTIME_ENV);
    expect(RUNTIME.ours.env).toEqual(assignments);
    const source = readFileSync(`${ROOT}${RUNTIME.ours.entry}`, 'utf8');
    // Its modules are loaded from one build directory, dist/ unless bench:cpu's --variant names a
    // kept copy: no static import could reach anything else.
    expect([...source.matchAll(/^import /gm)]).toEqual([]);
    expect(source).toContain("new URL(`../${process.env.BENCH_OUR_BUILD ?? 'dist'}/`, import.meta.url)");
    const modules = [...(source.match(/\[('[^']+\.js'(?:,\s*)?)+\]\.map\(load\)/)?.[0].matchAll(/'([^']+)'/g) ?? [])].map((match) => match[1]);
    expect(modules).toEqual(['bin/run-main.js', 'accounts/passwords.js', 'config.js', 'http/listen-idp.js', 'idp.js']);
  });
});
