/** The shape every CLI command has; src/cli/main.ts dispatches to them by name. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Command {
  name: string;
  /** one line for the command list */
  summary: string;
  /** full --help text */
  help: string;
  /** returns the exit code: 0 success, 1 measured failure, 2 bad usage or input (throw UsageError) */
  run(argv: string[]): Promise<number>;
}

import { UsageError } from '../result/errors.js';

export { UsageError };

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * An error no command expected, a bug of asyncbench: exit 4, never 1, which says 'regression' or
 * 'a case failed' to a CI job reading the code.
 */
export const INTERNAL_ERROR_EXIT = 4;

/** node:util parseArgs (portable to deno and bun) with errors turned into one-line UsageErrors. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  const parse = () => {
    try {
      return parseArgs({
        args: argv,
        options: { ...options, help: { type: 'boolean', short: 'h' } },
        allowPositionals,
        strict: true,
        tokens: true,
      });
    } catch (error) {
      throw new UsageError(oneLine((error as Error).message, argv));
    }
  };
  const { tokens, ...parsed } = parse();
  refuseRepeats(tokens as { kind: string; name?: string }[], options);
  return parsed;
}

/** parseArgs keeps the last of a repeated one-value flag: `--runtime node --runtime bun` ran bun alone. */
function refuseRepeats(tokens: readonly { kind: string; name?: string }[], options: Options): void {
  const seen = new Set<string>();
  for (const { kind, name } of tokens) {
    const option = name === undefined ? undefined : options[name];
    if (kind !== 'option' || option?.type !== 'string' || option.multiple) continue;
    if (seen.has(name as string))
      throw new UsageError(
        `--${name} is given twice: give it once (where it takes several, as a comma-separated list)`,
      );
    seen.add(name as string);
  }
}

/**
 * parseArgs' message on one line. Its "argument is ambiguous" (a flag followed by a word starting
 * with a dash, as in `--duration -1`) needs its other lines to make sense, so it is restated with
 * the word; a flag inside a group (`-vo -x`) is no word of its own, so there its lines are joined.
 */
function oneLine(message: string, argv: string[]): string {
  const flag = /^Option '([^']+)' argument is ambiguous/.exec(message)?.[1];
  const at = flag === undefined ? -1 : argv.indexOf(flag);
  if (at < 0)
    return message
      .replace(/\. To specify a positional.*$/, '')
      .split('\n')
      .join(' ');
  const value = argv[at + 1];
  // its last line names the long form (`use '--out=-XYZ' or '-o-XYZ'`), the one `=` works with
  const long = /use '(--[^=']+)=/.exec(message)?.[1] ?? flag;
  return `${flag} is followed by '${value}', which reads as an option: give ${flag} a value, or write ${long}=${value}`;
}

/** Parses a whole number flag value, or throws a UsageError naming the flag. */
/**
 * A whole number written in digits, from `min` to `max`: Number() also took 0x3 and 1e1, and
 * `--forks 100000000` planned a job per fork for minutes before the first one ran.
 */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1, max = 10_000): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min)) throw new UsageError(`${flag} takes a whole number >= ${min}, got '${value}'`);
  if (n > max) throw new UsageError(`${flag} takes at most ${max}, got '${value}'`);
  return n;
}
