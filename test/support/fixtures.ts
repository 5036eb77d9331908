/**
 * Test programs built and started the way the project's own are: bundled with the esbuild options
 * of scripts/build.js (so `asyncbench` resolves to src/api.ts), and run on the runtimes discovered
 * with the flags and environment the harness gives a measuring process, never a hand-written list
 * that could drift from them.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildOptions } from '../../src/build-options.js';
import { discoverRuntimes, type RuntimeExecutable, runtimeCommand } from '../../src/runtimes/discover.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Bundles `entryPoints` (paths relative to the project root) into a fresh .tmp/<name>/ and returns
 * that directory; entry points from one folder come out as <file name>.js.
 */
export async function buildFixtures(name: string, entryPoints: readonly string[]): Promise<string> {
  const outdir = join(ROOT, '.tmp', name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    ...buildOptions(join(ROOT, 'src/api.ts')),
    entryPoints: entryPoints.map((entry) => join(ROOT, entry)),
    outdir,
  });
  return outdir;
}

/** The pinned node, deno and bun: what a run measures by default. */
export async function pinnedRuntimes(): Promise<RuntimeExecutable[]> {
  return (await discoverRuntimes(ROOT)).filter((rt) => rt.default);
}

/**
 * How the harness starts `script` on `rt` (with a V8 seed: as it starts an A/B fork), with this
 * process's environment beneath the runtime's.
 */
export function scriptCommand(
  rt: RuntimeExecutable,
  script: string,
  args: readonly string[] = [],
  seed?: number,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const command = runtimeCommand(rt, script, args, seed);
  return { ...command, env: { ...process.env, ...command.env } };
}
