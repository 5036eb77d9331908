#!/usr/bin/env node
// One build for every runtime (DESIGN.md: no runtime transpiles its own copy): esbuild turns src/
// and scenarios/ into ES modules in dist/ that node, deno and bun all run unchanged.
import { readdirSync, rmSync } from 'node:fs';
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

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  ...buildOptions(join(root, 'src/api.ts')),
  sourcemap: 'linked',
  entryPoints: {
    cli: join(root, 'src/cli/main.ts'),
    child: join(root, 'src/harness/child.ts'),
    api: join(root, 'src/api.ts'),
    ...entries('scenarios', 'scenarios'),
    ...entries('src/workers', 'workers'),
    ...entries('src/services', 'services', (f) => f.endsWith('-server.ts')),
  },
  outdir: join(root, 'dist'),
});
