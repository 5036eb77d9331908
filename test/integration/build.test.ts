/**
 * `npm run build` (scripts/build.js) on a copy of the project: a build that fails leaves the last
 * good dist/, so a CLI that rebuilt a broken working tree (compare --base) still starts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.js';

it('a failed build keeps the last good dist/ and leaves nothing beside it', async () => {
  const copy = tempDir('build');
  for (const part of ['bin', 'scripts', 'src', 'scenarios', 'package.json'])
    cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: copy, stdio: 'ignore' });
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
