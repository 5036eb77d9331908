/**
 * A seeded deno fork gets its V8 seed in DENO_V8_FLAGS; a user's own DENO_V8_FLAGS must still reach
 * it, as it did when the seed went on the command line.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, pinnedRuntimes, scriptCommand } from '../support/fixtures.js';

let outdir = '';
beforeAll(async () => {
  outdir = await buildFixtures('seed-env', ['test/fixtures/runtimes/heap-limit-probe.ts']);
});

const saved = process.env.DENO_V8_FLAGS;
afterAll(() => {
  if (saved === undefined) delete process.env.DENO_V8_FLAGS;
  else process.env.DENO_V8_FLAGS = saved;
});

function heapLimit(command: { command: string; args: string[]; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(command.command, command.args, { env: command.env }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith('HEAP_LIMIT_MIB '));
      resolve(Number(line?.slice('HEAP_LIMIT_MIB '.length)));
    });
  });
}

describe('a seeded deno fork keeps the user DENO_V8_FLAGS', () => {
  it('applies --max-old-space-size from DENO_V8_FLAGS beside the seed', async () => {
    const deno = (await pinnedRuntimes()).find((rt) => rt.name === 'deno');
    expect(deno).toBeDefined();
    if (!deno) return;
    process.env.DENO_V8_FLAGS = '--max-old-space-size=100';
    const command = scriptCommand(deno, join(outdir, 'heap-limit-probe.js'), [], 4242);
    expect(command.env.DENO_V8_FLAGS).toContain('--random-seed=4242');
    expect(await heapLimit(command)).toBeLessThan(1000);
  });
});
