/**
 * Finds scenarios: the built-in ones in dist/scenarios/, and scenario files a user names by path,
 * bundled with the same build as the built-in ones so every runtime runs the same JavaScript.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Loader, Plugin } from 'esbuild';
import { buildOptions } from '../build-options.js';
import { TimeoutError, withTimeout } from '../patterns/timeout.js';
import { Interrupted, UsageError } from '../result/errors.js';
import { errorLine } from '../runtimes/child-output.js';
import { currentRuntime } from '../runtimes/current.js';
import { spawnGuarded } from '../runtimes/group-reaper.js';
import { scriptArgs } from '../runtimes/spawn-script.js';
import { catchInterrupts } from './interrupts.js';
import { DESCRIBE_PREFIX, type DescribeReport, describeModule, type ScenarioInfo } from './scenario-info.js';
import { closestFirst } from './suggest.js';

export type { ScenarioInfo };

/** dist/ (where this file was bundled to) and the project root above it */
export const DIST_DIR = new URL('.', import.meta.url);
export const PROJECT_ROOT = new URL('..', DIST_DIR);

/** How long a user's scenario module may take to load (its top level, awaits included). */
const USER_LOAD_MS = 30_000;

/**
 * Describes a user's scenario module in a process of its own (describe-child.ts), on the runtime
 * the harness runs on: its top level is the user's code, and none of it runs in the harness. One
 * that spins or awaits what never settles is killed at USER_LOAD_MS, one that exits the process
 * ends only that one, and whatever it started dies with the child's process group.
 */
async function describeInChild(moduleUrl: string, label: string): Promise<ScenarioInfo> {
  const runtime = await currentRuntime();
  const script = fileURLToPath(new URL('describe-child.js', DIST_DIR));
  const interrupts = catchInterrupts(runtime);
  if (interrupts.interrupted) {
    interrupts.off();
    throw new Interrupted();
  }
  // a spinning top level cannot run its own guard: spawnGuarded's parent-death signal and reaper
  const argv = [runtime.execPath(), ...scriptArgs(runtime, script, [moduleUrl, label])];
  const { child, release } = spawnGuarded(runtime, argv, { stdout: 'pipe', stderr: 'pipe' });
  interrupts.stop = () => child.kill('SIGKILL');
  try {
    const line = await withTimeout(
      child.waitForLine((l) => l.startsWith(DESCRIBE_PREFIX)),
      USER_LOAD_MS,
    );
    const report = JSON.parse(line.slice(DESCRIBE_PREFIX.length)) as DescribeReport;
    if ('problem' in report) throw new UsageError(report.problem);
    return report.info;
  } catch (error) {
    if (interrupts.interrupted) throw new Interrupted();
    if (error instanceof TimeoutError)
      throw new UsageError(
        `${label} did not finish loading within ${USER_LOAD_MS / 1000} s (a top-level await that never settles, or a loop that never ends?)`,
      );
    if (error instanceof UsageError) throw error;
    // it ended before its answer: the user's top level exited the process, or its code crashed it
    // (a runtime that cannot start rejects `exited`: the harness's own runtime is broken, not the file)
    const exit = await child.exited;
    if (exit.signal) throw new UsageError(`${label} was killed by ${exit.signal} while it was loading`);
    const stderr = child.stderr().trim();
    throw new UsageError(
      `${label} exited the process while it was loading (${stderr ? `exit code ${exit.code}: ${errorLine(stderr)}` : 'process.exit at its top level?'})`,
    );
  } finally {
    interrupts.off();
    // the answer is in: what the user's top level left running (timers, servers, processes) goes
    child.kill('SIGKILL');
    release();
  }
}

/** The built-in scenarios of the tree whose dist/ is `dist` (compare --base: each revision's own). */
export async function builtinScenarios(dist: URL = DIST_DIR): Promise<ScenarioInfo[]> {
  const dir = new URL('scenarios/', dist);
  if (!existsSync(dir)) throw new UsageError('no built scenarios in dist/scenarios: run `npm run build` first');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort();
  // ours, so imported here: a child for each would cost every run and list a runtime's start-up per scenario
  return Promise.all(files.map((f) => describeModule(new URL(f, dir).href)));
}

/**
 * npm packages stay imports in a bundle (build-options.js), found from where the bundle lies, in
 * asyncbench's scratch directory: the node_modules nearest the user's file, linked beside the
 * bundle, makes the packages of the user's project found first, as for the file itself, and
 * asyncbench's own after them. A file bundled again into the same place finds its link there.
 */
function linkUsersPackages(path: string, bundleDir: string): void {
  const link = join(bundleDir, 'node_modules');
  if (lstatSync(link, { throwIfNoEntry: false })) return;
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(modules)) {
      symlinkSync(modules, link, 'dir');
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * `asyncbench` (and `asyncbench/patterns`) is the API of the tree whose dist/ is `dist`, imported by
 * its path, not bundled in: it runs from its own place, so what it loads (undici for importUndici)
 * is asyncbench's, not a package of the user's project that the link above finds first
 */
function asyncbenchByPath(dist: URL): Plugin {
  return {
    name: 'asyncbench-by-path',
    setup(build) {
      // a tree built before the patterns entry (a compare --base base) has api.js, which exports them too
      const patterns = existsSync(new URL('patterns.js', dist)) ? 'patterns.js' : 'api.js';
      build.onResolve({ filter: /^asyncbench(\/patterns)?$/ }, ({ path }) => ({
        path: new URL(path === 'asyncbench' ? 'api.js' : patterns, dist).href,
        external: true,
      }));
    },
  };
}

/** What `import.meta.url`, `filename` and `dirname` become in a user's file: its own (ownImportMeta) */
const IMPORT_META = {
  'import.meta.url': '__asyncbench_url',
  'import.meta.filename': '__asyncbench_filename',
  'import.meta.dirname': '__asyncbench_dirname',
};

/**
 * `import.meta.url` (and node's `filename` and `dirname`) in the user's own files is the file's, not
 * the bundle's in asyncbench's scratch directory: a worker module or a data file beside a scenario
 * is found as `new URL('./worker.js', import.meta.url)`. The build's define turns them into names
 * (IMPORT_META) that each file naming import.meta declares for itself, at the start of its first
 * line, so its lines, and the lines of any error in it, stay where they were; everything else of the
 * build (its tsconfig.json, its loader) applies as to any file. `import.meta.resolve` is the bundle's.
 */
function ownImportMeta(): Plugin {
  return {
    name: 'own-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, ({ path }) => {
        // read once, here: the file goes on to the build as read, with the names or without
        const source = readFileSync(path, 'utf8');
        const loader = LOADERS[extname(path)] ?? 'js';
        if (!source.includes('import.meta')) return { contents: source, loader };
        const values = [pathToFileURL(path).href, path, dirname(path)].map((v) => JSON.stringify(v));
        const names = Object.values(IMPORT_META);
        const declared = `const ${names.map((name, i) => `${name} = ${values[i]}`).join(', ')};`;
        return { contents: `${declared} ${source}`, loader };
      });
    },
  };
}

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/**
 * Bundles a user's scenario file (.ts or .js) into `tmpDir` with the project's build options; returns
 * the bundle's URL and a digest of it (the file and every local file it imports)
 */
async function bundleScenarioFile(path: string, tmpDir: string, dist: URL): Promise<{ url: string; digest: string }> {
  const { build } = await import('esbuild');
  // a folder named after the whole path: two files called s.ts from two folders must not meet
  const tag = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 8);
  const bundleDir = join(tmpDir, `${basename(path, extname(path))}-${tag}`);
  mkdirSync(bundleDir, { recursive: true });
  linkUsersPackages(path, bundleDir);
  const outfile = join(bundleDir, `${basename(path, extname(path))}.js`);
  await build({
    ...buildOptions(fileURLToPath(new URL('api.js', dist))),
    alias: {},
    define: IMPORT_META,
    entryPoints: [path],
    // paths in the bundle's comments are from here: the digest is the file's, wherever run is started
    absWorkingDir: dirname(resolve(path)),
    outfile,
    plugins: [asyncbenchByPath(dist), ownImportMeta()],
    logLevel: 'silent',
  }).catch((error: Error & { errors?: { text: string; location?: { line: number; column: number } | null }[] }) => {
    const first = error.errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column}` : '';
    const why = first?.text ?? error.message.split('\n')[1] ?? error.message;
    throw new UsageError(`cannot build ${path}${where}: ${why.split('\n')[0]}`);
  });
  const digest = createHash('sha256').update(readFileSync(outfile)).digest('hex').slice(0, 12);
  return { url: pathToFileURL(outfile).href, digest };
}

/** A user's scenario file, bundled against the API of the tree whose dist/ is `dist`, and described. */
export async function scenarioFile(
  path: string,
  tmpDir: string,
  dist: URL = DIST_DIR,
  label = path,
): Promise<ScenarioInfo> {
  const { url, digest } = await bundleScenarioFile(path, tmpDir, dist);
  return { ...(await describeInChild(url, label)), digest };
}

export function looksLikeFile(arg: string): boolean {
  return /\.(ts|js|mjs|mts)$/.test(arg) || arg.includes('/');
}

/** Resolves the names and files given to `run` (none = every built-in scenario). */
export async function selectScenarios(args: string[], tmpDir: string): Promise<ScenarioInfo[]> {
  const builtin = await builtinScenarios();
  if (args.length === 0) return builtin;
  const chosen: ScenarioInfo[] = [];
  // a scenario named twice is run once; two scenarios of one id would be one set of cells
  const add = (s: ScenarioInfo, from: string) => {
    const same = chosen.find((c) => c.id === s.id);
    if (same === undefined) chosen.push(s);
    else if (same.module !== s.module)
      throw new UsageError(`two scenarios are named '${s.id}' (${from} and an earlier one): ids must differ`);
  };
  for (const arg of args) {
    if (looksLikeFile(arg)) {
      const path = resolve(arg);
      if (!existsSync(path)) throw new UsageError(`scenario file not found: ${arg}`);
      add(await scenarioFile(path, tmpDir, DIST_DIR, arg), arg);
      continue;
    }
    const found = builtin.find((s) => s.id === arg);
    if (!found) {
      const names = closestFirst(
        arg,
        builtin.map((s) => s.id),
      );
      throw new UsageError(`unknown scenario '${arg}'; valid: ${names.join(', ')}`);
    }
    add(found, arg);
  }
  return chosen;
}
