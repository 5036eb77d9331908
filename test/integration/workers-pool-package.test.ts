/**
 * WorkerPool as a user of the package gets it: a main module and a worker module that import only
 * 'asyncbench' (the built entry, dist/api.js, through package.json's exports; run
 * `node scripts/build.js` first, as for the CLI tests), with the runtime adapter from the exported
 * currentRuntime(), run a 2-worker pool on node, deno and bun as docs/patterns.md shows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pinnedRuntimes, ROOT, scriptCommand } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const MAIN = `import { currentRuntime, WorkerPool } from 'asyncbench';

const runtime = await currentRuntime();
const pool = new WorkerPool({ runtime, module: new URL('./worker.js', import.meta.url), size: 2 });
await pool.ready();
const results = await pool.map([1, 2, 3, 4, 5, 6]);
await pool.close();
console.log(JSON.stringify({ runtime: runtime.name, results }));
runtime.exit(0);
`;

const WORKER = `import { currentRuntime, serveTasks } from 'asyncbench';

await serveTasks((await currentRuntime()).workerPort(), (n) => n * 10);
`;

let project: string;
const runtimes = await pinnedRuntimes();

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist', 'api.js')), 'dist/api.js: run node scripts/build.js').toBe(true);
  // a project that depends on asyncbench: node_modules/asyncbench is this package
  project = tempDir('pool-package');
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'asyncbench'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(project, 'main.js'), MAIN);
  writeFileSync(join(project, 'worker.js'), WORKER);
});

describe.each(runtimes.map((rt) => [rt.name, rt] as const))('WorkerPool from the package on %s', (runtime, rt) => {
  it('runs a 2-worker pool whose main and worker modules import only asyncbench', () => {
    const { command, args, env } = scriptCommand(rt, join(project, 'main.js'));
    const output = execFileSync(command, args, { cwd: project, encoding: 'utf8', timeout: 60_000, env });
    expect(JSON.parse(output.trim().split('\n').at(-1) as string)).toEqual({
      runtime,
      results: [10, 20, 30, 40, 50, 60],
    });
  });
});
