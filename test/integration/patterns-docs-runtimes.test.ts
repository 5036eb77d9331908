/**
 * The examples of docs/patterns.md as a user of the package runs them: each is a .ts file in a
 * directory outside the project whose node_modules/asyncbench is the project (package.json's
 * exports: the built dist/api.js), started on the pinned node, deno and bun the way the harness
 * starts a measuring process. test/unit/patterns-docs.test.ts runs them on vitest's node, against
 * the source; this is where an example that works there but not on deno or bun, or not from the
 * built package, fails. Each prints what it logged as one JSON line, formatted as the page writes it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pinnedRuntimes, ROOT, scriptCommand } from '../support/fixtures.js';
import { exampleTitle, formatLogged, patternExamples, promised } from '../support/patterns-examples.js';
import { tempDir } from '../support/temp.js';

const MARK = 'ASYNCBENCH_PRINTED ';
const blocks = patternExamples();
const runtimes = await pinnedRuntimes();
let dir: string;

beforeAll(() => {
  dir = tempDir('patterns-docs');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'asyncbench'), 'dir');
  // deno reads node_modules where a package.json says this is a package
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  blocks.forEach((code, i) => {
    // imports are hoisted above this prelude: the example's code still runs after it
    const prelude = [
      'const __printed: string[] = [];',
      'const __log = console.log.bind(console);',
      `const __format = ${formatLogged.toString()};`,
      "console.log = (...args: unknown[]) => void __printed.push(args.map(__format).join(' '));",
    ];
    const epilogue = `__log(${JSON.stringify(MARK)} + JSON.stringify(__printed));`;
    writeFileSync(join(dir, `example-${i + 1}.ts`), [...prelude, code, epilogue, 'export {};', ''].join('\n'));
  });
});

/** what the script printed, and whether it had to be killed at the timeout (it did not exit by itself) */
function printed(
  command: ReturnType<typeof scriptCommand>,
): Promise<{ lines?: string[]; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    execFile(
      command.command,
      command.args,
      { cwd: dir, env: command.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith(MARK));
        resolve({
          lines: line ? JSON.parse(line.slice(MARK.length)) : undefined,
          stderr,
          killed: error?.killed === true,
        });
      },
    );
  });
}

describe.each(runtimes.map((rt) => [rt.name, rt] as const))('docs/patterns.md examples on %s', (_name, rt) => {
  it.each(blocks.map((code, i) => [i + 1, exampleTitle(code, i), code] as const))(
    'example %i prints what the page says (%s)',
    async (n, _title, code) => {
      const { lines, stderr } = await printed(scriptCommand(rt, join(dir, `example-${n}.ts`)));
      expect(lines, stderr).toEqual(promised(code));
    },
  );
});

it('finds the pinned node, deno and bun and the examples', () => {
  expect(runtimes.map((rt) => rt.name)).toEqual(['node', 'deno', 'bun']);
  expect(blocks.length).toBeGreaterThanOrEqual(8);
});

describe.each(runtimes.map((rt) => [rt.name, rt] as const))('channelTurnScheduler on %s', (_name, rt) => {
  it('keeps the process alive while a callback waits for its turn, and lets it exit after', async () => {
    // node counted the posted message as nothing: the port was unref'd, and the process exited
    // (code 13, an unsettled top-level await) before the callback ran
    const script = join(dir, 'channel-turn.ts');
    writeFileSync(
      script,
      [
        "import { channelTurnScheduler } from 'asyncbench';",
        'const schedule = channelTurnScheduler();',
        'let ran = false;',
        'schedule(() => { ran = true; });',
        'await new Promise<void>((resolve) => schedule(resolve));',
        `console.log(${JSON.stringify(MARK)} + JSON.stringify([String(ran)]));`,
        '',
      ].join('\n'),
    );
    const { lines, stderr, killed } = await printed(scriptCommand(rt, script));
    expect(lines, stderr).toEqual(['true']);
    expect(killed, 'the process did not exit by itself').toBe(false);
  });

  it('runs the rest of the batch after a callback threw an exception it survives, then lets the process exit', async () => {
    const script = join(dir, 'channel-throws.ts');
    writeFileSync(
      script,
      [
        "import process from 'node:process';",
        "import { channelTurnScheduler } from 'asyncbench';",
        "process.on('uncaughtException', () => {});",
        'const schedule = channelTurnScheduler();',
        'schedule(() => {',
        "  throw new Error('boom');",
        '});',
        `schedule(() => console.log(${JSON.stringify(MARK)} + JSON.stringify(['ran'])));`,
        '',
      ].join('\n'),
    );
    // a process the port keeps alive never exits: killed at the timeout, it did not exit by itself
    const { lines, stderr, killed } = await printed(scriptCommand(rt, script));
    expect(lines, stderr).toEqual(['ran']);
    expect(killed, 'the process did not exit by itself').toBe(false);
  });
});
