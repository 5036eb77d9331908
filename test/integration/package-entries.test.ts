/**
 * The package's two entries as a user imports them (package.json's exports, the built dist/; run
 * `node scripts/build.js` first): `asyncbench/patterns` is the library alone, so its module graph
 * holds no `node:*` module and no other package, and importing it on node loads none; and it shares
 * one copy of each class with `asyncbench`, so a TimeoutError from one is an instance of the other's;
 * and a TypeScript project with node's types and no DOM lib reads both entries' declarations.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { pinnedRuntimes, ROOT, scriptCommand } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const PATTERNS = join(ROOT, 'dist', 'patterns.js');

/** the specifiers of a built module's static imports and re-exports (esbuild's output: one per statement) */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gm)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

/** every module `entry` loads statically, itself included, and the specifiers that are not files of dist/ */
function moduleGraph(entry: string): { files: string[]; outside: string[] } {
  const files = [entry];
  const outside: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    for (const specifier of staticImports(file)) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) outside.push(specifier);
      else {
        const target = resolve(dirname(file), specifier);
        if (!files.includes(target)) files.push(target);
      }
    }
  }
  return { files, outside };
}

let project: string;

beforeAll(() => {
  expect(existsSync(PATTERNS), 'dist/patterns.js: run node scripts/build.js').toBe(true);
  project = tempDir('package-entries');
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'asyncbench'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
});

it('builds asyncbench/patterns with no node:* module and no other package in its graph', () => {
  const { files, outside } = moduleGraph(PATTERNS);
  expect(files.length).toBeGreaterThan(1); // the entry and the chunk of the patterns it shares
  expect(outside).toEqual([]);
  // the whole graph, as files: the patterns' classes are in it
  const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  expect(text).toContain('var TaskGroup = class');
  expect(text).not.toMatch(/from\s*"node:|import\(\s*"node:/);
});

it('loads no node:* module on node when asyncbench/patterns is imported, and shares its classes with asyncbench', async () => {
  const node = (await pinnedRuntimes()).find((rt) => rt.name === 'node');
  if (node === undefined) throw new Error('no pinned node: run npm install');
  const script = join(project, 'entries.mjs');
  writeFileSync(
    script,
    [
      'const before = new Set(process.moduleLoadList);',
      "const library = await import('asyncbench/patterns');",
      "const loaded = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule '));",
      "const api = await import('asyncbench');",
      'const shared = api.TaskGroup === library.TaskGroup && api.TimeoutError === library.TimeoutError;',
      'const group = new library.TaskGroup();',
      'group.createTask(() => 1);',
      'await group.join();',
      'console.log(JSON.stringify({ loaded, shared, exports: Object.keys(library).length }));',
      '',
    ].join('\n'),
  );
  const command = scriptCommand(node, script);
  const out = execFileSync(command.command, command.args, { cwd: project, env: command.env, encoding: 'utf8' });
  const seen = JSON.parse(out.trim().split('\n').at(-1) as string);
  expect(seen.loaded).toEqual([]);
  expect(seen.shared).toBe(true);
  expect(seen.exports).toBeGreaterThan(10);
});

it("type-checks a project that imports both entries with node's types, no DOM lib and skipLibCheck off", () => {
  writeFileSync(
    join(project, 'main.ts'),
    [
      "import { currentRuntime } from 'asyncbench';",
      "import { TaskGroup, WorkerPool } from 'asyncbench/patterns';",
      'const group = new TaskGroup();',
      'const task = group.createTask(() => 1);',
      'await group.join();',
      'const value: number = task.result();',
      'const pool = new WorkerPool<number, number>({ runtime: await currentRuntime(), module: "./w.js", size: 1 });',
      'console.log(value, pool);',
      '',
    ].join('\n'),
  );
  const compilerOptions = {
    target: 'es2022',
    module: 'nodenext',
    lib: ['es2023'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // throws with the compiler's messages in its output when a declaration does not type-check
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
});
