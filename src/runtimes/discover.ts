/**
 * Finds the runtimes a run can measure: the pinned devDependencies in node_modules/.bin (node, deno,
 * bun), plus the host's own node when it is another version (listed, not run by default). Each is
 * asked for its exact version and engine by one quick subprocess, all in parallel.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { RuntimeInfo } from '../result/schema.js';
import { jscEngine } from './bun.js';
import { currentRuntime } from './current.js';
import { NODE_MODULES_DIR_FLAG, readsNodeModulesDir } from './deno.js';
import type { EngineInfo, RuntimeName } from './types.js';

export interface RuntimeExecutable {
  /** 'node', 'deno', 'bun' for the pinned ones; 'node@20.20.2' for the host's node */
  label: string;
  name: RuntimeName;
  executable: string;
  version: string;
  engine: EngineInfo;
  /** args placed before the script path */
  flags: string[];
  /** environment the runtime is started with, on top of the parent's */
  env: Record<string, string>;
  notes: string[];
  /** run when the user names no runtime */
  default: boolean;
  /**
   * where it comes from: a devDependency, the PATH, or provisioned from the npm registry into the
   * runtimes directory (absent: pinned when `default`, else the host's)
   */
  source?: 'pinned' | 'host' | 'provisioned';
  /** a provisioned runtime: the registry package it was installed from (see provision.ts) */
  provisioned?: { package: string; integrity: string; dir: string; bytes: number };
}

/** What a result file records of a runtime (its environment and source are the machine's, not the run's). */
export function runtimeInfo({
  label,
  name,
  version,
  engine,
  executable,
  flags,
  notes,
}: RuntimeExecutable): RuntimeInfo {
  return { label, name, version, engine, executable, flags, notes };
}

/**
 * The flag set each runtime is measured with, recorded in every result (PITFALLS 11).
 * - node: --expose-gc so the engines can force a collection before measuring (PITFALLS 7).
 * - deno: the same through --v8-flags; an explicit permission set instead of -A, so what a
 *   scenario may touch is stated: net (HTTP target, PostgreSQL), read (node_modules, scenario and
 *   worker modules), write (the result channel, temp files), env (undici and the scenarios read
 *   it), run (spawn: process scenarios, the harness's children), sys (os.cpus/hostname/userInfo,
 *   which pg and the machine metadata ask for). --no-prompt turns a missing permission into an
 *   error instead of a prompt that would hang a run on a terminal. --node-modules-dir=manual
 *   resolves npm packages from node_modules as node does, as deno.json asks in a checkout: an
 *   installed asyncbench lies inside node_modules, where deno reads no deno.json or package.json,
 *   and without the flag every deno cell failed with 'Import "mitata" not a dependency'.
 * - bun: nothing: Bun.gc(true) is always available and `bun FILE` runs FILE directly (`bun run
 *   NAME` would prefer a package.json script of that name).
 */
const FLAGS: Record<RuntimeName, string[]> = {
  node: ['--expose-gc'],
  deno: [
    'run',
    '--v8-flags=--expose-gc',
    NODE_MODULES_DIR_FLAG,
    '--no-prompt',
    '--allow-net',
    '--allow-read',
    '--allow-write',
    '--allow-env',
    '--allow-run',
    '--allow-sys',
  ],
  bun: [],
};

/**
 * - DENO_NO_UPDATE_CHECK: no background request for a newer release during a measurement.
 * - NO_COLOR: deno colours its error output even into a pipe; the harness keeps stderr as the
 *   failure reason, which must stay readable.
 */
const ENV: Record<RuntimeName, Record<string, string>> = {
  node: {},
  deno: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  bun: {},
};

const PROBE_TIMEOUT_MS = 15_000;

export async function discoverRuntimes(projectRoot: string): Promise<RuntimeExecutable[]> {
  const bin = join(resolve(projectRoot), 'node_modules', '.bin');
  const pinned = (['node', 'deno', 'bun'] as const).map((name) => ({ name, path: join(bin, name) }));
  const found = await Promise.all([
    ...pinned.map(({ name, path }) => (existsSync(path) ? probe(name, path, true) : undefined)),
    probeHostNode(resolve(projectRoot, 'node_modules')),
  ]);
  const runtimes = found.filter((rt): rt is RuntimeExecutable => rt !== undefined);
  return withoutDuplicateHostNode(runtimes);
}

export function runtimeCommand(
  rt: RuntimeExecutable,
  script: string,
  args: readonly string[] = [],
  seed?: number,
): { command: string; args: string[]; env: Record<string, string> } {
  const seeded = seed === undefined ? { flags: rt.flags, env: {} } : withSeed(rt, seed);
  return { command: rt.executable, args: [...seeded.flags, script, ...args], env: { ...rt.env, ...seeded.env } };
}

/**
 * Pins V8's per-process randomness (PITFALLS 16): --random-seed drives the JIT's and the heap's
 * random choices, --hash-seed the layout of hash tables. JavaScriptCore has no such seed, so bun's
 * flags stay as they are.
 * Deno gets them in DENO_V8_FLAGS rather than its --v8-flags list: a child runtime that a scenario
 * starts with spawnScript must run under the same seed, and where node's adapter reads its flags
 * back from process.execArgv, deno shows a script none of its command line. The environment is
 * what the deno adapter can read (see startupFlags in deno.ts), and deno applies the variable in
 * every deno process started below, as node's spawnScript passes execArgv on.
 */
function withSeed(rt: RuntimeExecutable, seed: number): { flags: string[]; env: Record<string, string> } {
  const v8 = [`--random-seed=${seed}`, `--hash-seed=${seed}`];
  if (rt.name === 'node') return { flags: [...rt.flags, ...v8], env: {} };
  if (rt.name === 'deno') {
    // after the user's own DENO_V8_FLAGS (the runtime's, else this process's), never instead of them
    const inherited = rt.env.DENO_V8_FLAGS ?? process.env.DENO_V8_FLAGS ?? '';
    const flags = [...inherited.split(',').filter((flag) => flag !== ''), ...v8];
    return { flags: rt.flags, env: { DENO_V8_FLAGS: flags.join(',') } };
  }
  return { flags: rt.flags, env: {} };
}

/** The host's node is listed only when it is another version than the pinned one. */
function withoutDuplicateHostNode(runtimes: RuntimeExecutable[]): RuntimeExecutable[] {
  const pinnedNode = runtimes.find((rt) => rt.name === 'node' && rt.default);
  return runtimes.filter((rt) => rt.default || rt.version !== pinnedNode?.version);
}

/**
 * The first real node on PATH outside `excluded` (npm and deno task put node_modules/.bin first on
 * PATH). A `node` there may be another runtime posing as node: `bun run` with bunfig's
 * `[run] bun = true` puts a node -> bun link first on PATH. identify() rejects those, and the
 * next candidate is tried.
 */
async function probeHostNode(excluded: string): Promise<RuntimeExecutable | undefined> {
  for (const candidate of onPath('node', excluded)) {
    const found = await probe('node', candidate, false);
    if (found) return found;
  }
  return undefined;
}

function onPath(name: string, excluded: string): string[] {
  const dirs = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !resolve(dir).startsWith(excluded));
  return dirs.map((dir) => join(dir, name)).filter((candidate) => existsSync(candidate));
}

/** FLAGS of a runtime; deno 1, whose --node-modules-dir knows no mode, runs without that one */
function flagsOf(name: RuntimeName, version: string): string[] {
  const flags = FLAGS[name];
  return name === 'deno' && !readsNodeModulesDir(version)
    ? flags.filter((flag) => flag !== NODE_MODULES_DIR_FLAG)
    : [...flags];
}

/** A runtime as a run uses it: the exact flag set and environment of its name (FLAGS, ENV). */
export function runtimeExecutable(
  name: RuntimeName,
  executable: string,
  identity: Identity,
  how: Pick<RuntimeExecutable, 'label' | 'default' | 'source' | 'provisioned'>,
  notes: string[] = [],
): RuntimeExecutable {
  return {
    ...how,
    name,
    executable,
    version: identity.version,
    engine: identity.engine,
    flags: flagsOf(name, identity.version),
    env: { ...ENV[name] },
    notes: [...identity.notes, ...notes],
  };
}

async function probe(name: RuntimeName, path: string, isPinned: boolean): Promise<RuntimeExecutable | undefined> {
  const executable = realExecutable(path);
  try {
    const identity = await identify(name, executable);
    return runtimeExecutable(
      name,
      executable,
      identity,
      {
        label: isPinned ? name : `${name}@${identity.version}`,
        default: isPinned,
        source: isPinned ? 'pinned' : 'host',
      },
      isPinned ? [] : ["the host's node, not the pinned devDependency"],
    );
  } catch {
    // a runtime that cannot even report its version is not usable: not listed
    return undefined;
  }
}

/** node_modules/.bin entries are symlinks to the real binaries; resolving them is one syscall. */
function realExecutable(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface Identity {
  version: string;
  engine: EngineInfo;
  notes: string[];
}

/** Asks the executable for its exact version and engine (one quick subprocess). */
export async function identify(name: RuntimeName, executable: string): Promise<Identity> {
  switch (name) {
    case 'node': {
      const versions = JSON.parse(await run(executable, ['-p', 'JSON.stringify(process.versions)']));
      // bun and deno answer `-p` too and report a node version: only node has neither key
      if (versions.bun || versions.deno) throw new Error(`${executable} is not node`);
      return { version: versions.node, engine: { name: 'v8', version: versions.v8 }, notes: [] };
    }
    case 'deno': {
      // deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)\nv8 15.0.245.2-rusty\ntypescript 6.0.3
      const text = await run(executable, ['--version'], ENV.deno);
      const version = /^deno (\S+)/m.exec(text)?.[1];
      const v8 = /^v8 (\S+)/m.exec(text)?.[1];
      if (!version || !v8) throw new Error(`unexpected deno --version output: ${text}`);
      return { version, engine: { name: 'v8', version: v8 }, notes: [] };
    }
    case 'bun': {
      const script =
        'JSON.stringify({ version: Bun.version, revision: Bun.revision, webkit: process.versions.webkit })';
      // --print, not -p: bun 1.1.45's -p is --port, and the fallback below knows no engine. Bun 1.0.0
      // to 1.0.10 answer --print with their help and exit 0: what is not JSON takes the fallback too
      const info = await run(executable, ['--print', script])
        .then(JSON.parse)
        .catch(() => bunRevision(executable));
      return {
        version: info.version,
        engine: jscEngine(info.webkit),
        notes: [`bun revision ${info.revision}`],
      };
    }
  }
}

/** A bun that answers no `--print` (1.0.0): `--revision` says "1.0.0+822a00c4d...", its engine stays unknown. */
async function bunRevision(executable: string): Promise<{ version: string; revision: string; webkit?: string }> {
  const [version, revision] = (await run(executable, ['--revision'])).split('+');
  if (!/^\d+\.\d+\.\d+/.test(version)) throw new Error(`unexpected bun --revision output: ${version}`);
  return { version, revision: revision ?? 'unknown' };
}

/**
 * Through the host runtime's adapter: on deno that is Deno.Command, which passes `--version` to a
 * deno executable as given (Deno's node:child_process would rewrite it, see deno-command.ts).
 */
async function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = (await currentRuntime()).spawn(command, args, { env, stdout: 'pipe' });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  try {
    const exit = await child.exited;
    if (exit.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${exit.signal ?? exit.code}`);
    return child.stdout().trim();
  } finally {
    clearTimeout(timer);
  }
}
