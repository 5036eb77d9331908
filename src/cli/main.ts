/** asyncbench: the CLI entry. Dispatches to one module per command; bad usage is one line and exit 2. */

import { closestFirst } from '../harness/suggest.js';
import { VERSION } from '../harness/version.js';
import { Interrupted } from '../result/errors.js';
import { redactText, registerSecret, registerUrlSecrets } from '../result/redact.js';
import { ResultFileError } from '../result/schema.js';
import { currentRuntime } from '../runtimes/current.js';
import { type Command, INTERNAL_ERROR_EXIT, UsageError } from './command.js';
import compare from './compare.js';
import list from './list.js';
import merge from './merge.js';
import report from './report.js';
import run from './run.js';
import runtimes from './runtimes.js';

const COMMANDS: Command[] = [run, list, runtimes, compare, report, merge];

const HELP = `asyncbench: benchmarks async concurrency patterns on node, deno and bun

Usage: asyncbench <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'asyncbench <command> --help' for a command's options; 'asyncbench --version' prints the version.`;

const HELP_WORDS = ['help', '--help', '-h'];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // `help run` (and `--help run`, `-h run`) is `run --help`: the top-level help ignored the command asked about
  const asksHelp = HELP_WORDS.includes(name as string);
  // `help --help`, `-h -h`: asking help about help is the command list (it recursed until the stack overflowed)
  if (asksHelp && rest.length > 0 && !HELP_WORDS.includes(rest[0] as string))
    return main([rest[0] as string, '--help']);
  if (name === undefined || asksHelp) {
    console.log(HELP);
    // bad usage still says so in one line on stderr, as every other kind does
    if (name === undefined) throw new UsageError('no command given; the commands are listed above');
    return 0;
  }
  if (name === '--version') {
    // `--version x` printed the version and exit 0, as if x had been understood
    if (rest.length > 0) throw new UsageError(`--version takes nothing after it, got '${rest[0]}'`);
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command)
    throw new UsageError(
      `unknown command '${name}'; valid: ${closestFirst(
        name,
        COMMANDS.map((c) => c.name),
      ).join(', ')}`,
    );
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  return command.run(rest);
}

const runtime = await currentRuntime();
const stdoutFailure = runtime.watchStdout();
// the environment's database password is masked from the start, whatever the command: a case may
// quote it where no scenario of the run needs PostgreSQL, so none started the server that registers it
registerUrlSecrets(runtime.env('DATABASE_URL'));
registerSecret(runtime.env('PGPASSWORD'));
let code: number;
try {
  code = await main(runtime.args());
} catch (error) {
  if (error instanceof Interrupted) {
    console.error('asyncbench: interrupted');
    code = 130;
  } else if (error instanceof UsageError || error instanceof ResultFileError) {
    console.error(`asyncbench: ${redactText(error.message)}`);
    code = 2;
  } else {
    // a bug, not bad input: the stack helps, but secrets never reach the terminal
    console.error(`asyncbench: internal error: ${redactText((error as Error)?.stack ?? String(error))}`);
    code = INTERNAL_ERROR_EXIT;
  }
}
// the error of the last write is emitted after it returned
await new Promise((resolve) => setTimeout(resolve, 0));
const lost = stdoutFailure();
if (lost !== undefined) {
  console.error(`asyncbench: the output could not be written to stdout: ${lost.message}`);
  // a verdict (compare's 1 or 3) or an earlier failure keeps its code
  if (code === 0) code = 2;
}
runtime.exit(code);
