import { describe, expect, test } from 'vitest';
import { parseFlags } from '../../src/cli/command.js';
import { UsageError } from '../../src/result/errors.js';

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
