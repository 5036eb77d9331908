/**
 * The reaper of the process groups a harness killed outright leaves behind. A process that runs a
 * user's code (a measuring child, a compatibility probe, a scenario file's loader) dies with the
 * harness under `setpriv --pdeathsig KILL` (parent-guard.ts), which no handler survives, so the
 * processes that code started in its group (`ctx.runtime.spawn`) were left running.
 *
 * The reaper is one `sh` per harness, started under `setpriv --pdeathsig TERM` in a session of its
 * own (a terminal's Ctrl-C, sent to the harness's group, does not reach it). It sleeps in `wait`,
 * costing nothing while the harness measures; when the harness dies, however it dies, the kernel
 * sends it SIGTERM and its trap SIGKILLs every group listed in its file, then removes the file.
 * The harness lists each such group from its spawn (spawnGuarded) until it has killed that group
 * itself, so a harness that ends normally leaves the reaper nothing to do.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownSuffix, removeDebris } from './debris.js';
import { dieWithParent, guardEnv, setpriv } from './parent-guard.js';
import type { ChildHandle, RuntimeAdapter, SpawnOptions } from './types.js';

const FILE_PREFIX = 'asyncbench-reap.';

/**
 * The reaper's script; $1 is the file of group ids. Only a number over 1 with no leading zero is
 * signalled: `kill -KILL -1` (or dash's `-01`) would reach every process the user may signal.
 * dash's kill takes no `--`. `wait` returns at once when a trapped signal arrives, where a
 * foreground `sleep` would hold the trap back until it ended. `signalGroup` is the command given
 * `-<group>`: a test passes `echo` to see what would be signalled.
 */
export function reaperScript(signalGroup = 'kill -KILL'): string {
  return [
    'reap() {',
    '  for g in $(cat "$1" 2>/dev/null); do',
    `    case $g in *[!0-9]* | "" | 0* | 1) ;; *) ${signalGroup} "-$g" 2>/dev/null ;; esac`,
    '  done',
    '  rm -f "$1"; kill $! 2>/dev/null; exit 0',
    '}',
    `trap 'reap "$1"' TERM`,
    'while :; do sleep 86400 & wait $!; done',
  ].join('\n');
}

interface Reaper {
  file: string;
  /** where the next list is written before it is renamed over `file` */
  next: string;
  groups: Set<number>;
}

let reaper: Reaper | null | undefined;

function startReaper(runtime: RuntimeAdapter): Reaper | null {
  const guard = setpriv();
  if (guard === undefined) return null; // no parent-death signal: nothing would wake the reaper
  removeDebris(tmpdir(), FILE_PREFIX);
  const file = join(tmpdir(), `${FILE_PREFIX}${ownSuffix()}`);
  writeFileSync(file, '');
  runtime.spawn(guard, ['--pdeathsig', 'TERM', '--', 'sh', '-c', reaperScript(), 'sh', file], { group: true });
  return { file, next: join(tmpdir(), `${FILE_PREFIX}next.${ownSuffix()}`), groups: new Set() };
}

/** Rewritten whole and renamed into place, so the trap never reads half a list. */
function writeGroups(state: Reaper): void {
  writeFileSync(state.next, [...state.groups].join(' '));
  renameSync(state.next, state.file);
}

/**
 * Has the group led by `pid` killed if this process dies before calling the returned function
 * (which it calls once it has killed the group itself). A no-op where setpriv is missing.
 */
export function reapOnDeath(runtime: RuntimeAdapter, pid: number): () => void {
  if (reaper === undefined) reaper = startReaper(runtime);
  const state = reaper;
  if (state === null || pid <= 1) return () => {};
  state.groups.add(pid);
  try {
    writeGroups(state);
  } catch (error) {
    // not on the list, so not left in it: a later write would list a group this process killed,
    // whose id may belong to another by the time the reaper acts
    state.groups.delete(pid);
    throw error;
  }
  return () => {
    if (state.groups.delete(pid)) writeGroups(state);
  };
}

/** A process of the harness that runs a user's code, and the call that takes its group off the reaper's list. */
export interface GuardedChild {
  child: ChildHandle;
  /** once the caller has killed the child's group itself (child.kill) */
  release: () => void;
}

/**
 * Starts `argv` as the leader of a process group of its own that runs a user's code (a measuring
 * child, a compatibility probe, the loader of a scenario file), guarded against the harness's death
 * however it comes: the kernel kills it (setpriv --pdeathsig KILL, which a case spinning on its
 * event loop cannot hold off), its own loop's check kills its group (guardEnv), and after a SIGKILL
 * of the harness the reaper kills that group, and with it what the user's code started. Throws as
 * the runtime's spawn does.
 */
export function spawnGuarded(
  runtime: RuntimeAdapter,
  argv: readonly string[],
  options: Omit<SpawnOptions, 'group'>,
): GuardedChild {
  const [command, ...args] = [...dieWithParent(), ...argv];
  const child = runtime.spawn(command, args, { ...options, env: { ...options.env, ...guardEnv() }, group: true });
  try {
    return { child, release: reapOnDeath(runtime, child.pid) };
  } catch (error) {
    // the reaper's list could not be written (a full TMPDIR): the child runs already, and its
    // caller, told it did not start, would never kill it
    child.kill('SIGKILL');
    throw error;
  }
}
