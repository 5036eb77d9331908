// Ctrl-C while the embedded PostgreSQL starts, seen from its processes: what the start spawned is
// watched through a wrapped node:child_process spawn, and aborted at a chosen moment.
import { type ChildProcess, execFileSync, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmbeddedPostgres } from '../../src/services/embedded-postgres.js';
import { hasExited, waitFor } from '../faults/support.js';

/** What the test does with each process the start spawns (replaces the command, watches its stderr). */
const hooks: { spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess | undefined } = {};

vi.mock('node:child_process', async (original) => {
  const actual = await original<typeof import('node:child_process')>();
  const spawn = (command: string, args: string[], options: SpawnOptions) =>
    hooks.spawn?.(command, args, options) ?? actual.spawn(command, args, options);
  return { ...actual, spawn, default: { ...actual, spawn } };
});

const leftover: number[] = [];
afterEach(() => {
  hooks.spawn = undefined;
  for (const pid of leftover.splice(0)) {
    if (!hasExited(pid)) process.kill(pid, 'SIGKILL');
    // a failed test must not leave its segments on the machine
    for (const row of segmentsOf(pid)) execFileSync('ipcrm', ['-m', row.trim().split(/\s+/)[1]]);
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
  await expect(startEmbeddedPostgres(controller.signal)).rejects.toThrow('interrupted');
}

describe('Ctrl-C during initdb', () => {
  it('kills what initdb started too, not initdb alone', async () => {
    let worker = 0;
    // initdb stands in for itself: a process that starts one of its own (initdb's postgres backend)
    // which, unlike that backend, would never end by itself
    await interruptedStart((spawn, abort, command, _args, options) => {
      if (!command.endsWith('/initdb')) return undefined;
      const child = spawn('sh', ['-c', 'sleep 600 & echo $! >&2; wait'], options);
      child.stderr?.once('data', (chunk) => {
        worker = Number(String(chunk).trim());
        leftover.push(worker);
        abort();
      });
      return child;
    });
    expect(worker).toBeGreaterThan(1);
    // killed with its group it is gone at once; killed with initdb alone it would sleep on
    await waitFor('the process initdb started to be gone', () => hasExited(worker), 10_000);
  });
});

/** The SysV shared memory segments `pid` created that are still there (/proc/sysvipc/shm, column cpid). */
function segmentsOf(pid: number): string[] {
  const rows = readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1);
  return rows.filter((row) => Number(row.trim().split(/\s+/)[4]) === pid);
}

describe('Ctrl-C while postgres starts', () => {
  it('shuts the postmaster down: its shared memory segment goes with it', async () => {
    let postmaster = 0;
    // the abort comes with the startup process's first line ("database system was shut down at"):
    // the postmaster has its shared memory and children by then, and is not yet ready
    await interruptedStart((spawn, abort, command, args, options) => {
      if (!args.includes('-D')) return undefined;
      const child = spawn(command, args, options);
      postmaster = child.pid ?? 0;
      leftover.push(postmaster);
      child.stderr?.on('data', (chunk) => {
        if (String(chunk).includes('database system')) abort();
      });
      return child;
    });
    expect(postmaster).toBeGreaterThan(1);
    await waitFor('the postmaster to be gone', () => hasExited(postmaster), 10_000);
    // a SIGKILL'd postmaster cannot remove its segment, and its backends are left to notice alone
    expect(segmentsOf(postmaster)).toEqual([]);
  });
});
