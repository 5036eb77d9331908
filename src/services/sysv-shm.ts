/**
 * The SysV shared memory segment a postmaster leaves when it is killed with SIGKILL (by the kernel's
 * OOM killer, or by hand): postgres removes its own segment on any shutdown it sees, and at its next
 * start in the same data directory; ours is removed with the run, so nothing else ever would, and
 * each such run left one on the machine for good. Linux only (/proc/sysvipc/shm); elsewhere nothing.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** how long orphaned backends may stay attached: each exits once it sees its postmaster gone */
const DETACH_WAIT_MS = 5000;
const POLL_MS = 50;

/** The segments `pid` created, by shmid, with how many processes are attached to each. */
function segmentsOf(pid: number): { shmid: string; attached: number }[] {
  let table: string;
  try {
    table = readFileSync('/proc/sysvipc/shm', 'utf8');
  } catch {
    return [];
  }
  // columns: key shmid perms size cpid lpid nattch ...
  return table
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.trim().split(/\s+/))
    .filter((cols) => Number(cols[4]) === pid)
    .map((cols) => ({ shmid: cols[1] as string, attached: Number(cols[6]) }));
}

/**
 * Removes the segments the exited postmaster `pid` created, once nothing is attached to them: one in
 * use is a live server's and is left alone, as is one still attached after DETACH_WAIT_MS.
 */
export async function removeSegmentsLeftBy(pid: number): Promise<void> {
  const end = Date.now() + DETACH_WAIT_MS;
  let left = segmentsOf(pid);
  while (left.some((s) => s.attached > 0) && Date.now() < end) {
    await delay(POLL_MS);
    left = segmentsOf(pid);
  }
  for (const { shmid, attached } of left)
    if (attached === 0)
      await new Promise<void>((resolve) => {
        // nothing more to do where ipcrm is missing or refuses: the run's result stands
        execFile('ipcrm', ['-m', shmid], () => resolve());
      });
}
