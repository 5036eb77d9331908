/**
 * A parent-death guard for the long-lived processes the harness starts (each measuring child, the
 * HTTP target server): if the process that started it dies, even by SIGKILL, which runs no
 * handler, the guarded process kills its own process group, and with it whatever it started
 * (a scenario's servers, load generators, worker processes). PostgreSQL has its own guard
 * (setpriv --pdeathsig, embedded-postgres.ts).
 *
 * The spawner puts its pid in the child's environment (`guardEnv()`); the child compares its parent
 * pid with it twice a second (`exitWithParent()`): a re-parented process (to init or a subreaper)
 * has lost its parent. Portable to node, deno and bun through node:process; the timer is unref'd
 * and costs a measurement nothing it could see (two wake-ups a second).
 */
import process from 'node:process';
import { setInterval } from 'node:timers';

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

/** Dies with its group when the parent named by guardEnv() is gone. No-op without that variable. */
export function exitWithParent(): void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  // what this process starts has another parent: it must not inherit the variable
  delete process.env[PARENT_PID_ENV];
  if (!Number.isInteger(parent) || parent <= 1) return;
  const check = () => {
    if (process.ppid !== parent) killOwnGroup();
  };
  check();
  setInterval(check, CHECK_MS).unref();
}
