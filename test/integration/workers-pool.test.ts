/**
 * WorkerPool on the real runtimes: the same built script runs on node (worker_threads), deno (Web
 * Workers) and bun, and must see ordered results, a failed task, and a replaced worker.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const outdir = join(process.cwd(), '.tmp', 'workers-pool-integration');
const bin = join(process.cwd(), 'node_modules', '.bin');
const commands: Record<string, string[]> = {
  node: [join(bin, 'node')],
  deno: [join(bin, 'deno'), 'run', '--allow-read', '--allow-env'],
  bun: [join(bin, 'bun')],
};

beforeAll(async () => {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: ['test/fixtures/workers-pool-main.ts', 'test/fixtures/workers-pool-worker.ts'],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
  });
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(Object.keys(commands))('WorkerPool on %s', (runtime) => {
  it('keeps submission order, fails thrown and crashed tasks, replaces the dead worker', () => {
    const [command, ...args] = commands[runtime];
    const output = execFileSync(command, [...args, join(outdir, 'workers-pool-main.js')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const seen = JSON.parse(output.trim().split('\n').at(-1) as string);
    expect(seen).toEqual({
      runtime,
      ordered: [0, 2, 4, 6],
      thrown: { error: 'WorkerTaskError' },
      crashed: { error: 'WorkerTaskError' },
      after: { value: 6 },
      afterCrash: [8, 10, 12],
      replaced: 1,
    });
  });
});
