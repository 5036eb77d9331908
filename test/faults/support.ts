/**
 * Helpers of the fault-injection suite: runs of the real CLI tagged with a unique marker in their
 * environment (every process a run starts inherits it: children, the HTTP server, PostgreSQL), so
 * "no process was left" is a scan of /proc for that marker, not a guess from timing; and waits
 * that poll for an event (a file, a line, a process gone) with a generous deadline.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliRun, projectScratch, ROOT, runCli, tempDir } from '../support/cli.js';

export { projectScratch, ROOT, tempDir };

export const FIXTURES = join(ROOT, 'test/fixtures/scenarios');

/** Every wait inside a fault test has its own deadline; this only bounds the whole on a very busy machine. */
export const FAULT_TEST_MS = 600_000;

/** Generous: the machine is shared and busy; the waits end as soon as the event happens. */
const DEADLINE_MS = 120_000;
const POLL_MS = 100;

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${deadlineMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export interface MarkedRun {
  pid: number;
  marker: string;
  done: Promise<CliRun>;
}

/** Starts `asyncbench ARGS` with a unique marker in its environment (in `cwd`, default the project). */
export function startMarked(args: string[], env: Record<string, string> = {}, cwd?: string, group = false): MarkedRun {
  const marker = randomUUID();
  let pid = -1;
  const done = runCli(args, { env: { ASYNCBENCH_FAULT_MARK: marker, ...env }, onSpawn: (p) => (pid = p), cwd, group });
  return { pid, marker, done };
}

/**
 * Gone, or a zombie whose threads have all gone: only then are its files and sockets closed. Its
 * main thread turns zombie first, while the others still hold them (the parent hears of the exit
 * only after the last), and its memory, so /proc/PID/environ and the marker, goes before either.
 */
export function hasExited(pid: number | string): boolean {
  try {
    if (!/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

/** Live processes (not zombies) whose environment holds the run's marker, with their command lines. */
export function markedProcesses(marker: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`ASYNCBENCH_FAULT_MARK=${marker}`)) continue;
      if (hasExited(pid)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(pid), command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The SysV shared memory segments `pid` created that are still there (/proc/sysvipc/shm, column cpid). */
export function segmentsOf(pid: number): string[] {
  const rows = readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1);
  return rows.filter((row) => Number(row.trim().split(/\s+/)[4]) === pid);
}

/**
 * Removes what segmentsOf(pid) finds: a postmaster a test kills with SIGKILL cannot remove its own,
 * and a failed test must not leave any on the machine. Only once `pid` has exited and nothing is
 * attached (column nattch): a segment still in use is a live server's, and is left alone.
 */
export function removeSegmentsOf(pid: number): void {
  if (!hasExited(pid)) return;
  for (const row of segmentsOf(pid)) {
    const [, shmid, , , , , nattch] = row.trim().split(/\s+/);
    if (nattch === '0') execFileSync('ipcrm', ['-m', shmid]);
  }
}

/** Waits until no process of the run is left; returns what is still there when the deadline passes. */
export async function leftAfter(marker: string, deadlineMs = 30_000): Promise<string[]> {
  try {
    await waitFor('the run to leave no process', () => markedProcesses(marker).length === 0, deadlineMs);
    return [];
  } catch {
    const left = markedProcesses(marker);
    for (const p of left) process.kill(p.pid, 'SIGKILL');
    return left.map((p) => `${p.pid} ${p.command.slice(0, 120)}`);
  }
}

/** SIGKILLs the harness of `run` (no handler of its runs), then what it left: see leftAfter. */
export async function leftAfterSigkill(run: MarkedRun): Promise<string[]> {
  process.kill(run.pid, 'SIGKILL');
  await run.done;
  return leftAfter(run.marker);
}

/** The finished forks of a journal, by `fork/key` (the header and a torn last line left out). */
export function journalRecords(path: string): Map<string, { samples: number[] }> {
  const records = new Map<string, { samples: number[] }>();
  if (!existsSync(path)) return records;
  for (const row of readFileSync(path, 'utf8').split('\n').slice(1)) {
    try {
      const line = JSON.parse(row) as { key: string; fork: number; record: { samples: number[] } };
      records.set(`${line.fork}/${line.key}`, line.record);
    } catch {
      // a torn last line
    }
  }
  return records;
}

/** Lines of progress on stderr: one per finished job, `[i/n] ...`. */
export function finishedJobs(stderr: string): number {
  return stderr.split('\n').filter((l) => l.startsWith('[')).length;
}
