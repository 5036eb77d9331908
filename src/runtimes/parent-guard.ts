/**
 * A parent-death guard for the processes the harness starts (each measuring child, the HTTP target
 * server, the process that loads a user's scenario file): if the process that started it dies,
 * even by SIGKILL, which runs no handler, the guarded process kills its own process group, and with
 * it whatever it started (a scenario's servers, load generators, worker processes). PostgreSQL has
 * its own guard (setpriv --pdeathsig, embedded-postgres.ts).
 *
 * The spawner puts its pid in the child's environment (`guardEnv()`); the child compares its parent
 * pid with it twice a second (`exitWithParent()`): a re-parented process (to init or a subreaper)
 * has lost its parent. Where a launcher stands between them, the spawner's pid must still exist. Portable to node, deno and bun through node:process; the timer is unref'd
 * and costs a measurement nothing it could see (two wake-ups a second).
 *
 * That check runs on the child's event loop, which a case that spins synchronously blocks: such an
 * orphan would spin on, on the CPU later runs pin their forks to. So where util-linux's setpriv
 * exists (Linux) the measuring child also starts under `setpriv --pdeathsig KILL` (`dieWithParent`):
 * the kernel kills it when its spawner dies, loop or no loop; what it started is then left to the
 * guards of its own.
 */
import { existsSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';

let setprivPath: string | null | undefined;

/**
 * util-linux's setpriv, where it exists: it sets a parent-death signal, which the exec keeps.
 * Looked up on first use, not at import: every measuring child imports this module for its guard.
 */
export function setpriv(): string | undefined {
  setprivPath ??= ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path)) ?? null;
  return setprivPath ?? undefined;
}

/** The command prefix under which the kernel signals a process when its spawner dies; none without setpriv. */
export function dieWithParent(signal: 'KILL' | 'TERM' = 'KILL'): string[] {
  const path = setpriv();
  return path ? [path, '--pdeathsig', signal, '--'] : [];
}

/**
 * Under setpriv (or taskset), a binary the runtime cannot run (gone, not executable) is their exit
 * 126/127 and a line on stderr, not a spawn error: that line, if so.
 */
export function execFailure(code: number | null, stderr: string): string | undefined {
  if (code !== 126 && code !== 127) return undefined;
  return /(?:setpriv|taskset): failed to execute .*/.exec(stderr)?.[0];
}

export const PARENT_PID_ENV = 'ASYNCBENCH_PARENT_PID';
const CHECK_MS = 500;

/** The environment that tells a child started by this process who its parent is. */
export function guardEnv(): Record<string, string> {
  return { [PARENT_PID_ENV]: String(process.pid) };
}

function killOwnGroup(): void {
  try {
    // a process started with `group: true` leads its own group: this reaches everything it started
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // not a group leader
  }
  process.kill(process.pid, 'SIGKILL');
}

/** A process with this pid exists (it may belong to another user: EPERM still means it is there). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Dies with its group when the parent named by guardEnv() is gone. No-op without that variable. */
export function exitWithParent(): void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  // what this process starts has another parent: it must not inherit the variable
  delete process.env[PARENT_PID_ENV];
  if (!Number.isInteger(parent) || parent <= 1) return;
  // Started directly: the parent is gone once this process is re-parented (even while the dead
  // parent is an unreaped zombie). Started through a wrapper (a launcher script), the parent is
  // gone once its pid no longer exists.
  const direct = process.ppid === parent;
  const gone = direct ? () => process.ppid !== parent : () => !processExists(parent);
  setInterval(() => {
    if (gone()) killOwnGroup();
  }, CHECK_MS).unref();
}
