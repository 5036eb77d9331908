/**
 * `npm run build` (scripts/build.js) on a copy of the project: a build that fails leaves the last
 * good dist/, so a CLI that rebuilt a broken working tree (compare --base) still starts; a build of
 * unchanged sources leaves dist/ in place; and the built package gives a TypeScript user its types.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.js';

/** a copy of the project's sources, with its node_modules linked, built once */
function builtCopy(): string {
  const copy = tempDir('build');
  for (const part of ['bin', 'scripts', 'src', 'scenarios', 'package.json', 'tsconfig.json', 'tsconfig.types.json'])
    cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: copy, stdio: 'ignore' });
  return copy;
}

it('a failed build keeps the last good dist/ and leaves nothing beside it', async () => {
  const copy = builtCopy();
  const built = readdirSync(join(copy, 'dist')).sort();

  writeFileSync(join(copy, 'scenarios', 'broken.ts'), 'export const x = ;\n');
  const failed = spawnSync(process.execPath, ['scripts/build.js'], { cwd: copy, encoding: 'utf8' });
  expect(failed.status).not.toBe(0);
  expect(readdirSync(join(copy, 'dist')).sort()).toEqual(built);
  expect(readdirSync(copy).filter((n) => n.startsWith('dist'))).toEqual(['dist']);
  expect(existsSync(join(copy, 'dist', 'scenarios', 'broken.js'))).toBe(false);
  const help = await runCli(['--help'], { root: copy });
  expect(help.code, help.stderr).toBe(0);
}, 60_000);

it('a build of unchanged sources leaves dist/ in place; a changed source replaces it', () => {
  const copy = builtCopy();
  const dist = () => statSync(join(copy, 'dist')).ino;
  const first = dist();
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: copy, stdio: 'ignore' });
  expect(dist()).toBe(first);
  // the same files, one of them changed: the bytes decide, not the names
  appendFileSync(join(copy, 'scenarios', 'retry.ts'), 'export const changed = 1;\n');
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: copy, stdio: 'ignore' });
  const second = dist();
  expect(second).not.toBe(first);
  expect(readFileSync(join(copy, 'dist', 'scenarios', 'retry.js'), 'utf8')).toContain('changed');
  writeFileSync(join(copy, 'scenarios', 'added.ts'), 'export const added = 1;\n');
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: copy, stdio: 'ignore' });
  expect(dist()).not.toBe(second);
  expect(existsSync(join(copy, 'dist', 'scenarios', 'added.js'))).toBe(true);
  expect(readdirSync(copy).filter((n) => n.startsWith('dist'))).toEqual(['dist']);
}, 90_000);

describe('a TypeScript project that imports asyncbench', () => {
  /** tsc over `main.ts` in a project whose node_modules/asyncbench is this one, as npm would link it */
  function typecheck(main: string): { status: number | null; output: string } {
    const project = tempDir('ts-user');
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(ROOT, join(project, 'node_modules', 'asyncbench'));
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ts-user', type: 'module' }));
    const compilerOptions = { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
    writeFileSync(join(project, 'main.ts'), main);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  const use = (result: string) => `import { AsyncQueue, TaskGroup } from 'asyncbench';
const queue = new AsyncQueue<number>(2);
await using group = new TaskGroup();
const task = group.createTask(async (signal) => (signal.aborted ? 0 : queue.size));
await group.join();
${result}
`;

  it('gets the types of the public API from the built declarations (dist/types)', () => {
    const ok = typecheck(use('const n: number = task.result();'));
    expect(ok.output).toBe('');
    expect(ok.status).toBe(0);
  });

  it('is told when it misuses them: the types are real, not any', () => {
    const wrong = typecheck(use('const s: string = task.result();'));
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/main\.ts.*TS2322: Type 'number' is not assignable to type 'string'/);
  });
});
