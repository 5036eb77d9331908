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

/** node:util parseArgs (portable to deno and bun) with errors turned into one-line UsageErrors. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, ''));
  }
}

/** Parses a whole number flag value, or throws a UsageError naming the flag. */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number >= ${min}, got '${value}'`);
  return n;
}
