#!/usr/bin/env node
// One build for every runtime (DESIGN.md: no runtime transpiles its own copy): esbuild turns src/
// and scenarios/ into ES modules in dist/ that node, deno and bun all run unchanged.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildOptions } from '../src/build-options.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** entry points of a folder: { '<prefix>/<name>': file } for its .ts files that pass `keep` */
function entries(dir, prefix, keep = () => true) {
  const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts') && keep(f));
  return Object.fromEntries(files.map((f) => [`${prefix}/${basename(f, '.ts')}`, join(root, dir, f)]));
}

// Built beside dist/ and swapped in by renames, so a build that fails or is killed (compare --base
// rebuilding a broken working tree) leaves the last good dist/ and a CLI that still starts. A build
// that made what dist/ already holds leaves it in place: the swap's two renames leave a moment with
// no dist/, and a session measuring from it (a second compare --base in one checkout rebuilds the
// same tree) would start a fork into that moment.
const dist = join(root, 'dist');
const fresh = join(root, `dist.${process.pid}.new`);
const stale = join(root, `dist.${process.pid}.old`);
try {
  await build({
    ...buildOptions(join(root, 'src/api.ts')),
    sourcemap: 'linked',
    entryPoints: {
      cli: join(root, 'src/cli/main.ts'),
      child: join(root, 'src/harness/child.ts'),
      'describe-child': join(root, 'src/harness/describe-child.ts'),
      ...entries('scenarios', 'scenarios'),
      ...entries('src/workers', 'workers'),
      ...entries('src/services', 'services', (f) => f.endsWith('-server.ts')),
    },
    outdir: fresh,
  });
  // The package's entries, split: `asyncbench/patterns` (the library alone, no node:* module) and
  // `asyncbench` share one chunk of the patterns, so a TaskGroup or a TimeoutError is one class
  // whichever entry a user imports it from, and the runtime adapter `currentRuntime()` loads stays
  // a chunk of its own, loaded when asked for. Only these two are split: a scenario keeps its own
  // copy of the patterns, so the harness's own use of a class never shares its type feedback.
  await build({
    ...buildOptions(join(root, 'src/api.ts')),
    sourcemap: 'linked',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    entryPoints: { api: join(root, 'src/api.ts'), patterns: join(root, 'src/patterns/index.ts') },
    outdir: fresh,
  });
  declarations(join(fresh, 'types'));
  if (!sameFiles(fresh, dist)) swapIn(fresh, dist, stale);
} finally {
  rmSync(fresh, { recursive: true, force: true });
  rmSync(stale, { recursive: true, force: true });
}

/**
 * The public API's type declarations (dist/types/api.d.ts, package.json's `types`), so that a
 * TypeScript user of `import ... from 'asyncbench'` gets its types; tsconfig.types.json says what.
 */
function declarations(outDir) {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.types.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
}

/**
 * true when the two directories hold the same files, byte for byte. A dist/ that vanishes while it
 * is read (another build between its two renames) is not the same: swapIn copes with that build.
 */
function sameFiles(a, b) {
  try {
    const names = filesUnder(a);
    const others = filesUnder(b);
    return (
      names.length === others.length &&
      names.every((name, i) => name === others[i] && readFileSync(join(a, name)).equals(readFileSync(join(b, name))))
    );
  } catch (error) {
    if (error.code === 'ENOENT') return false;
    throw error;
  }
}

/** the files under `dir`, relative and sorted; walked by hand, as readdirSync's `recursive` is not in every node 20 */
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const name = join(prefix, entry.name);
      return entry.isDirectory() ? filesUnder(dir, name) : [name];
    })
    .sort();
}

/** Moves `fresh` to `target`, the old `target` out of the way first; another build may swap meanwhile. */
function swapIn(fresh, target, stale) {
  for (let attempt = 0; ; attempt++) {
    try {
      if (existsSync(target)) renameSync(target, stale);
      renameSync(fresh, target);
      return;
    } catch (error) {
      // ENOENT: another build moved target first; ENOTEMPTY/EEXIST: it put its own there first
      if (attempt >= 10 || !['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
      rmSync(stale, { recursive: true, force: true });
    }
  }
}
