/**
 * `npm test` checks the GitHub workflows (.github/workflows/) with actionlint before jest runs
 * (package.json "lint:workflows"). GitHub Actions never runs on our machines, so this is the only
 * check the workflow file gets before it is pushed: these tests run the very command `npm test`
 * runs, on our workflows and on broken ones in a throw-away folder.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  output: string;
}

async function scripts(): Promise<Record<string, string>> {
  return (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
}

async function lintWorkflows(cwd: string): Promise<Run> {
  const command = (await scripts())['lint:workflows'];
  if (!command) throw new Error('package.json has no "lint:workflows" script');
  // As npm runs a script: through sh, with the project's node_modules/.bin first on PATH.
  const env = { PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '', FORCE_COLOR: '0' };
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function lintWorkflowFile(name: string, text: string): Promise<Run> {
  const project = await mkdtemp(join(tmpdir(), 'workflow-lint-'));
  try {
    await mkdir(join(project, '.github/workflows'), { recursive: true });
    await writeFile(join(project, '.github/workflows', name), text);
    return await lintWorkflows(project);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

const VALID = `name: ok
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        mongodb: ['4.4', '8']
    services:
      mongodb:
        image: mongo:\${{ matrix.mongodb }}
    steps:
      - uses: actions/checkout@v6
      - run: npm test
`;

describe('npm run lint:workflows (actionlint)', () => {
  it('runs in npm test, before jest', async () => {
    expect((await scripts()).test).toMatch(/&& npm run --silent lint:workflows && .*jest/);
  });

  it('accepts every workflow in .github/workflows, having checked them all', async () => {
    const files = (await readdir(join(ROOT, '.github/workflows'))).filter((name) => /\.ya?ml$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    const run = await lintWorkflows(ROOT);
    expect(run.output).toContain(`Checking ${files.length} workflow file(s)`);
    expect(run.code).toBe(0);
  });

  it('accepts a small valid workflow (the broken ones below differ from it by one mistake)', async () => {
    const run = await lintWorkflowFile('ok.yml', VALID);
    expect(run.code).toBe(0);
  });

  it('rejects a workflow naming a matrix value it does not define, with file, line and a closing message', async () => {
    const run = await lintWorkflowFile('typo.yml', VALID.replace('mongo:${{ matrix.mongodb }}', 'mongo:${{ matrix.mongo }}'));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/\.github\/workflows\/typo\.yml:11:\d+ property "mongo" is not defined/);
    expect(run.output).toContain('The GitHub workflow(s) above fail actionlint');
  });

  it('rejects a workflow a job of which has no runs-on', async () => {
    const run = await lintWorkflowFile('no-runner.yml', VALID.replace('    runs-on: ubuntu-latest\n', ''));
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('"runs-on" section is missing in job "test"');
  });

  it('rejects a workflow that is not valid YAML', async () => {
    const run = await lintWorkflowFile('indent.yml', VALID.replace('      - run: npm test', '       - run: npm test'));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/indent\.yml:\d+:\d+ could not parse as YAML/);
  });
});
