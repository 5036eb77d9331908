/**
 * WorkerPool on the real runtimes: the same built script runs on node (worker_threads), deno (Web
 * Workers) and bun, and must see ordered results, a failed task, and a replaced worker.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, pinnedRuntimes, scriptCommand } from '../support/fixtures.js';

let outdir: string;
const runtimes = await pinnedRuntimes();

beforeAll(async () => {
  outdir = await buildFixtures('workers-pool-integration', [
    'test/fixtures/workers-pool-main.ts',
    'test/fixtures/workers-pool-worker.ts',
  ]);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(runtimes.map((rt) => [rt.name, rt] as const))('WorkerPool on %s', (runtime, rt) => {
  it('keeps submission order, fails thrown and crashed tasks, replaces the dead worker', () => {
    const { command, args, env } = scriptCommand(rt, join(outdir, 'workers-pool-main.js'));
    const output = execFileSync(command, args, { encoding: 'utf8', timeout: 60_000, env });
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
