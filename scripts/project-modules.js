/**
 * The project's own code for the scripts that read result files or take flags: the result file
 * reader and validator (src/result/io.ts `readResultFile`: any problem is one UsageError line) and
 * the CLI's strict flag parser (src/cli/command.ts `parseFlags`, `intFlag`), so a script refuses
 * what the CLI refuses, in the same words.
 *
 * dist/api.js is the public API and does not carry them, so they are bundled from src/ in memory
 * with the build's own options (src/build-options.js, as scripts/build.js builds dist/): no build
 * step needed, and the rules are those of the source the CLI is built from. Scripts import src or
 * dist, never the other way.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildOptions } from '../src/build-options.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY = `
export { readResultFile } from './src/result/io.ts';
export { redactText } from './src/result/redact.ts';
export { intFlag, parseFlags, UsageError } from './src/cli/command.ts';
`;

/** @returns {Promise<{ readResultFile: (path: string) => any, redactText: (text: string) => string, parseFlags: Function, intFlag: Function, UsageError: typeof Error }>} */
export async function projectModules() {
  const bundle = await build({
    ...buildOptions(join(ROOT, 'src', 'api.ts')),
    logLevel: 'error',
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'scripts-entry.ts' },
    write: false,
  });
  const code = Buffer.from(bundle.outputFiles[0].text).toString('base64');
  return import(`data:text/javascript;base64,${code}`);
}

/**
 * Runs a script's `main` with the project's modules and exits with the code it returns. A
 * UsageError (bad flags, a file that is missing, corrupt or refused) is one line on stderr,
 * `<name>: <message>`, and exit 2: no stack trace.
 * @param {string} name
 * @param {(modules: Awaited<ReturnType<typeof projectModules>>) => number | Promise<number>} main
 */
export async function runScript(name, main) {
  const modules = await projectModules();
  try {
    process.exitCode = await main(modules);
  } catch (error) {
    if (!(error instanceof modules.UsageError)) throw error;
    // as the CLI's: a message may quote a file's field, and a secret in it stays out of the terminal
    console.error(`${name}: ${modules.redactText(error.message)}`);
    process.exitCode = 2;
  }
}
