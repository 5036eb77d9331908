// Ctrl-C while the embedded PostgreSQL starts, seen from its processes: what the start spawned is
// watched through a wrapped node:child_process spawn, and aborted at a chosen moment.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmbeddedPostgres } from '../../src/services/embedded-postgres.js';
import { hasExited, removeSegmentsOf, segmentsOf, waitFor } from '../faults/support.js';

/** What the test does with each process the start spawns (replaces the command, watches its stderr). */
const hooks: { spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess | undefined } = {};

vi.mock('node:child_process', async (original) => {
  const actual = await original<typeof import('node:child_process')>();
  const spawn = (command: string, args: string[], options: SpawnOptions) =>
    hooks.spawn?.(command, args, options) ?? actual.spawn(command, args, options);
  return { ...actual, spawn, default: { ...actual, spawn } };
});

/** /proc/PID/stat's start time (field 22): a pid reused by another process has another one. */
function startTime(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Processes of a test, each with its start time, to be killed if a failed test left them. */
const leftover: { pid: number; started?: string }[] = [];
const watchLeftover = (pid: number) => leftover.push({ pid, started: startTime(pid) });
afterEach(() => {
  hooks.spawn = undefined;
  for (const { pid, started } of leftover.splice(0)) {
    // still the process the test saw (not its pid reused by another), and not our own group or all
    if (pid > 1 && started !== undefined && !hasExited(pid) && startTime(pid) === started) process.kill(pid, 'SIGKILL');
    removeSegmentsOf(pid);
  }
});

type Spawn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;
type Hook = (spawn: Spawn, abort: () => void, ...call: Parameters<Spawn>) => ChildProcess | undefined;

/** Starts the embedded PostgreSQL with `hook` in the way of each spawn; the start must reject with its abort. */
async function interruptedStart(hook: Hook): Promise<void> {
  const { spawn } = await vi.importActual<typeof import('node:child_process')>('node:child_process');
  const controller = new AbortController();
  const abort = () => controller.abort(new Error('interrupted'));
  hooks.spawn = (...call) => hook(spawn, abort, ...call);
  const started = await startEmbeddedPostgres(controller.signal).catch((error: Error) => error);
  // never aborted (the moment to abort at never came): the server is up, and is stopped here
  if (!(started instanceof Error)) await started.stop();
  expect(started).toBeInstanceOf(Error);
  expect((started as Error).message).toContain('interrupted');
}

/** A hook that spawns the real command where `match` holds, and hands the process to `watch`. */
function watching(
  match: (...call: Parameters<Spawn>) => boolean,
  watch: (child: ChildProcess, abort: () => void) => void,
): Hook {
  return (spawn, abort, ...call) => {
    if (!match(...call)) return undefined;
    const child = spawn(...call);
    watch(child, abort);
    return child;
  };
}

/** initdb, spawned as itself or under setpriv (its parent-death signal): `setpriv ... -- initdb ...`. */
function isInitdb(command: string, args: string[]): boolean {
  const program = command.endsWith('/setpriv') ? args[args.indexOf('--') + 1] : command;
  return program?.endsWith('/initdb') === true;
}

describe('Ctrl-C during initdb', () => {
  it('kills what initdb started too, not initdb alone', async () => {
    let worker = 0;
    // initdb stands in for itself: a process that starts one of its own (initdb's postgres backend)
    // which, unlike that backend, would never end by itself
    await interruptedStart((spawn, abort, command, args, options) => {
      if (!isInitdb(command, args)) return undefined;
      const child = spawn('sh', ['-c', 'sleep 600 & echo $! >&2; wait'], options);
      child.stderr?.once('data', (chunk) => {
        worker = Number(String(chunk).trim());
        watchLeftover(worker);
        abort();
      });
      return child;
    });
    expect(worker).toBeGreaterThan(1);
    // killed with its group it is gone at once; killed with initdb alone it would sleep on
    await waitFor('the process initdb started to be gone', () => hasExited(worker), 10_000);
  });
});

/** The pid of a live process in `group` that created a SysV segment still there (initdb's backend). */
function segmentOfGroup(group: number): number | undefined {
  const rows = readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1);
  for (const cpid of rows.map((row) => Number(row.trim().split(/\s+/)[4]))) {
    try {
      // /proc/PID/stat after the command: state, parent, process group
      if (Number(readFileSync(`/proc/${cpid}/stat`, 'utf8').split(') ')[1].split(' ')[2]) === group) return cpid;
    } catch {
      // gone
    }
  }
  return undefined;
}

describe('Ctrl-C while initdb has its backend at work', () => {
  it('lets the backend remove its shared memory segment', async () => {
    let backend = 0;
    await interruptedStart(
      watching(isInitdb, (child, abort) => {
        const watch = setInterval(() => {
          backend = segmentOfGroup(child.pid ?? -1) ?? 0;
          if (backend === 0) return;
          clearInterval(watch);
          watchLeftover(backend);
          abort();
        }, 5);
        child.once('exit', () => clearInterval(watch));
      }),
    );
    expect(backend).toBeGreaterThan(1);
    await waitFor("initdb's backend to be gone", () => hasExited(backend), 10_000);
    // SIGKILL'd with initdb's group, it could not remove it
    expect(segmentsOf(backend)).toEqual([]);
  });
});

/** Live processes of `group` (/proc/PID/stat after the command: state, parent, process group). */
function groupMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return (
          Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]) === group && !hasExited(pid)
        );
      } catch {
        return false;
      }
    });
}

/** The arguments `pid` runs with; none once it is gone. */
function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

describe("Ctrl-C during initdb's single-user session", () => {
  it('stops its backend at once, which removes its shared memory segment; nothing of initdb is left', async () => {
    let backend = 0;
    let group = 0;
    let stderr = '';
    await interruptedStart(
      watching(isInitdb, (child, abort) => {
        group = child.pid ?? 0;
        child.stderr?.on('data', (chunk) => {
          stderr += chunk;
        });
        // the abort comes once `postgres --single` (not the shell initdb starts it through) holds a
        // segment: most of initdb's work is that one session
        const watch = setInterval(() => {
          const cpid = segmentOfGroup(group) ?? 0;
          if (argv(cpid)[1] !== '--single') return;
          clearInterval(watch);
          backend = cpid;
          watchLeftover(backend);
          abort();
        }, 2);
        child.once('exit', () => clearInterval(watch));
      }),
    );
    expect(backend).toBeGreaterThan(1);
    // told to stop, not left to finish the session while initdb waits for it
    expect(stderr).toContain('terminating connection due to administrator command');
    await waitFor("initdb's backend to be gone", () => hasExited(backend), 10_000);
    expect(segmentsOf(backend)).toEqual([]);
    expect(groupMembers(group)).toEqual([]);
  });
});

describe('Ctrl-C while postgres starts', () => {
  it('shuts the postmaster down: its shared memory segment goes with it', async () => {
    let postmaster = 0;
    // the abort comes with the startup process's first line ("database system was shut down at"):
    // the postmaster has its shared memory and children by then, and is not yet ready
    const server = (_command: string, args: string[]) => args.includes('-D');
    await interruptedStart(
      watching(server, (child, abort) => {
        postmaster = child.pid ?? 0;
        watchLeftover(postmaster);
        child.stderr?.on('data', (chunk) => {
          if (String(chunk).includes('database system')) abort();
        });
      }),
    );
    expect(postmaster).toBeGreaterThan(1);
    await waitFor('the postmaster to be gone', () => hasExited(postmaster), 10_000);
    // a SIGKILL'd postmaster cannot remove its segment, and its backends are left to notice alone
    expect(segmentsOf(postmaster)).toEqual([]);
  });
});
