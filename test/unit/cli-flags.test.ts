import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { INTERNAL_ERROR_EXIT, parseFlags } from '../../src/cli/command.js';
import compare from '../../src/cli/compare.js';
import list from '../../src/cli/list.js';
import merge from '../../src/cli/merge.js';
import report from '../../src/cli/report.js';
import run from '../../src/cli/run.js';
import runtimes from '../../src/cli/runtimes.js';
import { UsageError } from '../../src/result/errors.js';
import { tempDir } from '../support/temp.js';

const options = { out: { type: 'string', short: 'o' }, verbose: { type: 'boolean', short: 'v' } } as const;

function usageMessage(argv: string[]): string {
  try {
    parseFlags(argv, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseFlags accepted ${argv.join(' ')}`);
}

describe('parseFlags errors are one line', () => {
  test('a flag followed by a dash word names the word and the long form to write', () => {
    expect(usageMessage(['-o', '-x'])).toBe(
      "-o is followed by '-x', which reads as an option: give -o a value, or write --out=-x",
    );
  });

  test('a flag inside a group quotes no other word, and keeps what parseArgs says to write', () => {
    const message = usageMessage(['-vo', '-x']);
    expect(message).not.toContain('\n');
    expect(message).not.toContain("'-vo'");
    expect(message).toMatch(/^Option '-o' argument is ambiguous\. .*'--out=-XYZ'/);
  });

  test('an unknown option drops the hint about positionals', () => {
    expect(usageMessage(['--bogus'])).toBe("Unknown option '--bogus'");
  });
});

describe("every command's --help lists its exit codes", () => {
  // main.ts turns a UsageError or a refused result file into 2 and anything else into 4, whatever the command
  test.each([run, list, runtimes, compare, report, merge])('$name', (command) => {
    const at = command.help.indexOf('\nExit codes: ');
    const exits =
      at < 0
        ? ''
        : command.help
            .slice(at + 13)
            .split('\n\n')[0]
            .replace(/\s+/g, ' ');
    expect(exits).toMatch(/^0 /);
    expect(exits).toMatch(/; 2 /);
    expect(exits).toContain(`; ${INTERNAL_ERROR_EXIT} an internal error (a bug of asyncbench`);
    // the commands that catch an interruption and return 130 say so
    if (command === run || command === compare) expect(command.help).toMatch(/; 130 interrupted/);
  });
});

describe('run --json FILE where FILE exists', () => {
  // an unknown case (or, from the source, no pinned runtime) fails before anything is measured
  const runInto = (path: string, ...more: string[]) =>
    run.run(['eager-tasks', '--case', 'no-such-case', '--runtime', 'node', '--json', path, ...more]);
  const earlier = () => {
    const path = join(tempDir('json-exists'), 'r.json');
    writeFileSync(path, 'an earlier run');
    return path;
  };

  test('is refused with one line saying how to proceed, and left as it was', async () => {
    const path = earlier();
    await expect(runInto(path)).rejects.toThrow(
      `${path} exists (an earlier run's result): give --json another path, or add --overwrite to replace it`,
    );
    expect(readFileSync(path, 'utf8')).toBe('an earlier run');
  });

  test('--overwrite without --json FILE is refused: there is nothing it could replace', async () => {
    await expect(run.run(['eager-tasks', '--overwrite'])).rejects.toThrow('--overwrite needs --json FILE');
  });

  test('is replaced with --overwrite, and by the run that resumes it', async () => {
    const path = earlier();
    // it fails later, for another reason (an unknown case; from the source, no pinned runtime)
    for (const more of [['--overwrite'], ['--resume', path]])
      await expect(runInto(path, ...more)).rejects.toThrow(/^(?!.* exists \(an earlier run's result\)|Unknown option)/);
  });
});
