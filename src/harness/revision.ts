/**
 * The revisions `compare --base REF [--head REF]` measures: each commit is extracted from git into a
 * tree of its own (`git archive`: a plain tree with no git metadata, so the cache can serve every
 * clone of the project and never shows in `git worktree list`), installed with its own `npm ci`
 * and built, then kept, cached by commit, for the next call. Without `--head` the head is the
 * working tree itself, rebuilt so it runs the current source.
 *
 * Cache: $ASYNCBENCH_REVISIONS_DIR, else $XDG_CACHE_HOME/asyncbench/revisions, else
 * ~/.cache/asyncbench/revisions; one directory per commit, `<sha>/`, ready once it holds the
 * marker `.asyncbench-ready` (written last, after a successful build), and the build's log
 * `<sha>.log` beside it. A directory without the marker is a build that failed or was interrupted,
 * and is rebuilt from scratch; the lock file `<sha>.build-lock` keeps two calls, on this host or
 * another sharing the cache, from building one commit at once.
 * A built revision holds a whole node_modules (~650 MB with the three runtimes), so after each new
 * build only the most recently used $ASYNCBENCH_REVISIONS_KEEP (default 3) are kept.
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Interrupted, UsageError } from '../result/errors.js';
import { makeDirectory } from '../result/io.js';
import type { ResultFile } from '../result/schema.js';
import { leftByDeadProcess, ownSuffix } from '../runtimes/debris.js';
import { withLock } from '../runtimes/lock.js';
import { dieWithParent } from '../runtimes/parent-guard.js';
import { cacheDir } from '../runtimes/provision.js';
import type { ChildHandle, RuntimeAdapter } from '../runtimes/types.js';

export const READY_MARKER = '.asyncbench-ready';
const DEFAULT_KEEP = 3;
/** beside `<sha>/` while a call builds it; a lock file naming its holder (src/runtimes/lock.ts) */
const BUILD_LOCK = '.build-lock';

export interface Revision {
  /** the ref as given, or 'working tree' */
  ref: string;
  git: NonNullable<ResultFile['git']>;
  /** the checked-out tree: a cached extraction, or the repository's working tree */
  tree: string;
  /** the asyncbench that measures it: the tree itself, or the tree's node_modules/asyncbench */
  root: string;
  /** lets go of a cached tree once the session is done with it (`claimTree`) */
  release?: () => void;
}

/** Where built revisions are kept (see the module comment). */
export function revisionsDir(env: (name: string) => string | undefined): string {
  return cacheDir('revisions', env('ASYNCBENCH_REVISIONS_DIR'), env('XDG_CACHE_HOME'));
}

interface Ran {
  code: number | null;
  output: string;
}

/** Runs a command to its end; `track` sees the running child so an interruption can kill it. */
async function runCommand(
  runtime: RuntimeAdapter,
  command: string,
  args: string[],
  cwd: string,
  track: (child: ChildHandle | null) => void = () => {},
): Promise<Ran> {
  let child: ChildHandle;
  // A harness killed by SIGKILL runs no handler: npm ci went on writing into a tree whose build lock
  // had lapsed with the harness, the tree the next session rebuilds. TERM, not KILL: npm passes it
  // on to the install scripts it runs.
  const [program, ...rest] = [...dieWithParent('TERM'), command, ...args];
  try {
    child = runtime.spawn(program, rest, { cwd, stdout: 'pipe', stderr: 'pipe', group: true });
  } catch (error) {
    return { code: null, output: `cannot start ${command}: ${(error as Error).message}` };
  }
  track(child);
  const exit = await child.exited;
  track(null);
  const output = [child.stdout(), child.stderr()].filter((t) => t.trim() !== '').join('\n');
  return { code: exit.signal ? null : exit.code, output };
}

async function git(runtime: RuntimeAdapter, cwd: string, args: string[]): Promise<Ran> {
  return runCommand(runtime, 'git', args, cwd);
}

/** The top of the git repository holding `cwd`. */
export async function repositoryOf(runtime: RuntimeAdapter, cwd: string): Promise<string> {
  const top = await git(runtime, cwd, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) throw new UsageError(`compare --base needs a git repository, and ${cwd} is not in one`);
  return top.output.trim();
}

/** The commit a ref names; a ref that names none is one line, exit 2. */
export async function resolveCommit(runtime: RuntimeAdapter, repo: string, ref: string): Promise<string> {
  const ran = ref.startsWith('-')
    ? { code: 1, output: '' }
    : await git(runtime, repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (ran.code !== 0 || !/^[0-9a-f]{40,64}$/.test(ran.output.trim()))
    throw new UsageError(`unknown revision '${ref}': not a commit in ${repo}`);
  return ran.output.trim();
}

/** The asyncbench that measures a tree: the tree itself when it is the asyncbench project, else its dependency. */
export function asyncbenchRootOf(tree: string): string | undefined {
  const own = join(tree, 'package.json');
  try {
    if (JSON.parse(readFileSync(own, 'utf8')).name === 'asyncbench') return tree;
  } catch {
    // no package.json: look for the dependency
  }
  const dependency = join(tree, 'node_modules', 'asyncbench');
  return existsSync(join(dependency, 'package.json')) ? dependency : undefined;
}

export interface BuildOptions {
  runtime: RuntimeAdapter;
  repo: string;
  cache: string;
  /** one line of progress, for stderr */
  progress: (line: string) => void;
  track?: (child: ChildHandle | null) => void;
  /** Ctrl-C: a wait for another session's build of the commit ends, and nothing is built */
  signal?: AbortSignal;
}

/**
 * A commit, extracted, installed and built in the cache (or found there ready). `role` names the
 * side in messages ('base', 'head'). A build that fails is one line naming its log, exit 2.
 */
export async function checkoutRevision(role: string, ref: string, options: BuildOptions): Promise<Revision> {
  const { runtime, repo, cache, progress } = options;
  const commit = await resolveCommit(runtime, repo, ref);
  const tree = join(cache, commit);
  const log = join(cache, `${commit}.log`);
  const what = `${role} ${ref} (${commit.slice(0, 10)})`;
  const revision = (root: string): Revision => ({
    ref,
    git: { commit, branch: ref, dirty: false },
    tree,
    root,
    release: claimTree(cache, commit),
  });
  const ready = () => {
    const root = existsSync(join(tree, READY_MARKER)) ? asyncbenchRootOf(tree) : undefined;
    return root ? revision(root) : undefined;
  };
  const found = ready();
  if (found) {
    progress(`${what}: reusing the build in ${tree}`);
    touch(join(tree, READY_MARKER));
    return found;
  }
  // one line, not mkdirSync's EEXIST stack trace, where ASYNCBENCH_REVISIONS_DIR names a file
  makeDirectory(cache);
  return withLock(
    `${tree}${BUILD_LOCK}`,
    `building ${what}`,
    progress,
    async () => {
      if (options.signal?.aborted) throw new Interrupted(); // Ctrl-C as the lock was taken
      const built = ready(); // another call may have built it while this one waited
      if (built) {
        progress(`${what}: reusing the build in ${tree}`);
        return built;
      }
      progress(`${what}: building in ${tree} (git archive, npm ci, build; log ${log})`);
      const root = await build(what, commit, tree, log, options);
      prune(cache, Number(runtime.env('ASYNCBENCH_REVISIONS_KEEP') ?? DEFAULT_KEEP), commit);
      return revision(root);
    },
    options.signal,
  );
}

/** Extracts, installs and builds `commit` in `tree`, marked ready last; returns asyncbench's root in it. */
async function build(what: string, commit: string, tree: string, log: string, options: BuildOptions): Promise<string> {
  const { runtime, repo } = options;
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  writeFileSync(log, `asyncbench: building ${what} in ${tree}\n`);
  const tar = `${tree}.tar`;
  const steps: [string, string, string[], string][] = [
    ['git archive', 'git', ['-C', repo, 'archive', '--format=tar', '-o', tar, commit], repo],
    ['tar', 'tar', ['-xf', tar, '-C', tree], tree],
    ['npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], tree],
  ];
  const run = async ([name, command, args, cwd]: (typeof steps)[number]) => {
    const ran = await runCommand(runtime, command, args, cwd, options.track);
    writeFileSync(log, `\n$ ${command} ${args.join(' ')}\n${ran.output}\n`, { flag: 'a' });
    if (ran.code !== 0)
      throw new UsageError(`${what} failed to build: ${name} exited with ${ran.code ?? 'a signal'}; see ${log}`);
  };
  try {
    for (const step of steps) await run(step);
  } finally {
    rmSync(tar, { force: true });
  }
  const root = asyncbenchRootOf(tree);
  if (!root) throw new UsageError(`${what} has no asyncbench: neither the project nor a dependency of it`);
  if (root === tree) await run(['npm run build', 'npm', ['run', 'build'], tree]);
  if (!existsSync(join(root, 'dist', 'child.js'))) throw new UsageError(`${what} built no dist/child.js; see ${log}`);
  writeFileSync(join(tree, READY_MARKER), `${new Date().toISOString()}\n`);
  return root;
}

function touch(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // a read-only cache still serves
  }
}

/**
 * A session's claim on a cached tree while it measures from it, `<commit>.use.<host>.<pid>.<random>`:
 * prune, in this session (the base, once the head is built) or in another sharing the cache, leaves
 * a claimed tree alone. A dead process's claim lapses; another host's stands (its pid means nothing
 * here). Returns the release.
 */
function claimTree(cache: string, commit: string): () => void {
  const path = join(cache, `${commit}.use.${ownSuffix()}`);
  writeFileSync(path, '');
  return () => rmSync(path, { force: true });
}

/** The commits claimed by a live process, read once from the cache's names; a dead one's claim is removed. */
function liveClaims(cache: string, names: readonly string[]): Set<string> {
  const live = new Set<string>();
  for (const name of names) {
    const commit = /^([0-9a-f]{40,64})\.use\./.exec(name)?.[1];
    if (commit === undefined) continue;
    if (leftByDeadProcess(name)) rmSync(join(cache, name), { force: true });
    else live.add(commit);
  }
  return live;
}

/**
 * Keeps `keep` built revisions: `current`, those claimed by a running session (the base this one
 * compares against), and the most recently used of the rest (by their marker's time); removes the
 * others, with the trees of builds that failed. A commit being built (locked) stays. A claimed tree
 * counts towards `keep`: it stays whatever the limit, and the base kept one tree more than it said.
 */
export function prune(cache: string, keep: number, current: string): string[] {
  if (!Number.isInteger(keep) || keep < 1) return [];
  const all = readdirSync(cache);
  const claimed = liveClaims(cache, all);
  const trees = all.filter((n) => /^[0-9a-f]{40,64}$/.test(n) && n !== current);
  const held = trees.filter((n) => claimed.has(n)).length;
  const names = trees.filter((n) => !claimed.has(n));
  const used = (n: string) => {
    try {
      return statSync(join(cache, n, READY_MARKER)).mtimeMs;
    } catch {
      return -1; // no marker: a failed or interrupted build
    }
  };
  const candidates = names
    .filter((n) => !existsSync(join(cache, `${n}${BUILD_LOCK}`)))
    .sort((a, b) => used(b) - used(a));
  const removed = candidates.filter((n, i) => i >= keep - 1 - held || used(n) < 0);
  for (const n of removed) {
    rmSync(join(cache, n), { recursive: true, force: true });
    rmSync(join(cache, `${n}.log`), { force: true });
    // a build killed outright (no `finally`) left its archive beside the tree
    rmSync(join(cache, `${n}.tar`), { force: true });
  }
  return removed;
}

/**
 * The working tree is labelled with its repository's commit, so the asyncbench that measures it must
 * be that repository's own (the project itself, or its dependency), not one installed elsewhere.
 */
export function checkOwnWorkingTree(root: string, repo: string): void {
  const own = asyncbenchRootOf(repo);
  if (own === undefined || realpathSync(own) !== realpathSync(root))
    throw new UsageError(
      `the asyncbench running this (${root}) is not ${repo}'s own, so that working tree cannot be the head: run the repository's asyncbench (npx asyncbench there), or name the head with --head`,
    );
}

/**
 * The working tree as head: the asyncbench running this command measures it, rebuilt first when it
 * is the project's own checkout (`npm run build`), so head runs the current source.
 */
export async function workingTree(
  root: string,
  options: BuildOptions & { gitInfo: NonNullable<ResultFile['git']> },
): Promise<Revision> {
  const { runtime, repo, cache, progress } = options;
  const revision: Revision = { ref: 'working tree', git: options.gitInfo, tree: repo, root };
  if (resolve(root) !== resolve(repo)) return revision;
  makeDirectory(cache);
  const log = join(cache, 'working-tree.log');
  progress(`head (working tree): npm run build (log ${log})`);
  const ran = await runCommand(runtime, 'npm', ['run', 'build'], root, options.track);
  writeFileSync(log, `$ npm run build  (in ${root})\n${ran.output}\n`);
  if (ran.code !== 0)
    throw new UsageError(`head (working tree) failed to build: npm run build exited with ${ran.code}; see ${log}`);
  return revision;
}
