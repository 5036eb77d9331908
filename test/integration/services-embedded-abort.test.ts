// Ctrl-C while the embedded PostgreSQL starts, seen from its processes: what the start spawned is
// watched through a wrapped node:child_process spawn, and aborted at a chosen moment.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
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
  for (const pid of leftover.splice(0)) if (!hasExited(pid)) process.kill(pid, 'SIGKILL');
});

describe('Ctrl-C during initdb', () => {
  it('kills what initdb started too, not initdb alone', async () => {
    const { spawn } = await vi.importActual<typeof import('node:child_process')>('node:child_process');
    const controller = new AbortController();
    let worker = 0;
    // initdb stands in for itself: a process that starts one of its own (initdb's postgres backend)
    // which, unlike that backend, would never end by itself
    hooks.spawn = (command, _args, options) => {
      if (!command.endsWith('/initdb')) return undefined;
      const child = spawn('sh', ['-c', 'sleep 600 & echo $! >&2; wait'], options);
      child.stderr?.once('data', (chunk) => {
        worker = Number(String(chunk).trim());
        leftover.push(worker);
        controller.abort(new Error('interrupted'));
      });
      return child;
    };
    await expect(startEmbeddedPostgres(controller.signal)).rejects.toThrow('interrupted');
    expect(worker).toBeGreaterThan(1);
    // SIGKILL'd with its group it is gone at once; killed with initdb alone it would sleep on
    await waitFor('the process initdb started to be gone', () => hasExited(worker), 10_000);
  });
});
