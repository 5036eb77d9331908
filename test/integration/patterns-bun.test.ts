/**
 * TaskGroup has a path of its own where the runtime reads a settled promise synchronously (Bun.peek):
 * one Promise.all a burst of tasks instead of a then() a task. vitest runs on node, which takes the
 * other path, so here the TaskGroup unit tests run on the pinned Bun itself (`bun test` runs a
 * vitest file as it is), and each pinned runtime says which path its TaskGroup takes.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pinnedRuntimes, ROOT, scriptCommand } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const runtimes = await pinnedRuntimes();
const bun = runtimes.find((rt) => rt.name === 'bun');

function run(command: string, args: string[], env?: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(command, args, { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: stdout + stderr });
    });
  });
}

describe('TaskGroup on the pinned Bun', () => {
  it('passes every TaskGroup unit test', async () => {
    const { code, output } = await run((bun as NonNullable<typeof bun>).executable, [
      'test',
      'test/unit/patterns-task-group.test.ts',
    ]);
    expect(output).toMatch(/\b0 fail\b/);
    expect(output).not.toMatch(/\b0 pass\b/);
    expect(code, output).toBe(0);
  });

  it.each(runtimes.map((rt) => [rt.name, rt] as const))(
    'reads settled promises synchronously on bun only: %s',
    async (name, rt) => {
      const script = join(tempDir('patterns-bun'), 'reads.mjs');
      const api = pathToFileURL(join(ROOT, 'dist', 'api.js')).href;
      writeFileSync(script, `import { TaskGroup } from '${api}';\nconsole.log(TaskGroup.readsSettledPromises);\n`);
      const command = scriptCommand(rt, script);
      const { code, output } = await run(command.command, command.args, command.env);
      expect(code, output).toBe(0);
      expect(output.trim()).toBe(String(name === 'bun'));
    },
  );
});
