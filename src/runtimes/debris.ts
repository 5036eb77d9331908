/**
 * Private temporary names: a process that makes a scratch directory ends its name in
 * `.<host>.<pid>.<random>` (`-<host>...` after a prefix that ends in a dash) and removes it when
 * done. A process killed outright (SIGKILL, a crash) cannot, so the next one making a directory of
 * the same kind removes those whose process is gone. The host tag keeps a directory shared between
 * machines (an NFS home) safe: a pid means nothing on another host, so only this host's dead
 * processes leave debris it may remove.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { makeDirectory } from '../result/io.js';
import { processExists } from './parent-guard.js';

/** `h` and eight hex digits of the host name: file-safe and of a fixed shape, whatever the name. */
export function hostTag(host = hostname()): string {
  return `h${createHash('sha256').update(host).digest('hex').slice(0, 8)}`;
}

/** `<host>.<pid>.<random>`: unique to this process, and read back by removeDebris. */
export function ownSuffix(): string {
  return `${hostTag()}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
}

/** The start of a name for mkdtemp, which appends the random part itself. */
export function ownTempPrefix(prefix: string): string {
  return `${prefix}${hostTag()}.${process.pid}.`;
}

/** A name ending in an own suffix of this host whose process is gone; another host's never is. */
export function leftByDeadProcess(name: string): boolean {
  const [, host, pid] = /[.-](h[0-9a-f]{8})\.(\d+)\.[A-Za-z0-9]+$/.exec(name) ?? [];
  return host === hostTag() && !processExists(Number(pid));
}

/** Removes the entries of `dir` starting with `prefix` that a dead process of this host left. */
export function removeDebris(dir: string, prefix = ''): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !leftByDeadProcess(name)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
    } catch {
      // another user's, in a shared tmpdir: not ours to remove
    }
  }
}

/**
 * The path of a new scratch directory in `dir`, `<kind><label>.<host>.<pid>.<random>`, after removing
 * the ones of that kind a dead process of this host left there: who makes scratch of a kind cleans up
 * after the killed makers of it.
 */
export function scratchPath(dir: string, kind: string, label: string): string {
  removeDebris(dir, kind);
  return join(dir, `${kind}${label}.${ownSuffix()}`);
}

/** A scratch directory made for a command, and how to remove it when the command is done. */
export interface Scratch {
  path: string;
  remove(): void;
}

/** what makes `<root>/.tmp` unusable, so that scratch goes to os.tmpdir(); any other error is thrown */
const CANNOT_WRITE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

/**
 * Makes the scratch directory of a command (`run`; a side of `compare --base`) of the asyncbench
 * whose root is `root`. Decided here: in `<root>/.tmp` where that can be made and written, because
 * a user's scenario file is bundled there and Node's resolution walking up from the bundle finds,
 * after the user's packages (the bundle's node_modules link), asyncbench's own; else (an installed
 * package on a read-only mount, a global install of another user's, a `.tmp` that is a file) in
 * os.tmpdir() as `asyncbench-<kind>...`, where a scenario file finds its own project's packages and
 * asyncbench (imported by path) but not asyncbench's other packages. Both ways the name ends in the
 * debris suffix, and scratchPath clears the place it makes one in of this kind's debris, so a killed
 * run's leftovers go with the next run of the kind that makes its scratch there. In an installed
 * package (a root under node_modules) a `.tmp` made here is removed with the scratch when it is left
 * empty, so the package is left as it was found; a checkout keeps its `.tmp`, where tests and other
 * runs make theirs at any moment.
 */
export function makeScratch(root: string, kind: string, label: string): Scratch {
  const local = join(root, '.tmp');
  const fallback = `asyncbench-${kind}`;
  let made: string | undefined;
  let path = scratchPath(local, kind, label);
  try {
    // one call makes `.tmp` and the scratch in it: it returns the first directory it had to make
    made =
      mkdirSync(path, { recursive: true }) === local && root.split(sep).includes('node_modules') ? local : undefined;
  } catch (error) {
    if (!CANNOT_WRITE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    path = scratchPath(tmpdir(), fallback, label);
    makeDirectory(path);
  }
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      removeIfEmpty(made);
    },
  };
}

function removeIfEmpty(dir: string | undefined): void {
  if (dir === undefined) return;
  try {
    rmdirSync(dir);
  } catch {
    // not empty (another run's scratch meanwhile, a test's), or gone already: kept
  }
}
