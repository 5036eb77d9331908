/**
 * The SysV shared memory segment a postmaster leaves when it is killed with SIGKILL (by the kernel's
 * OOM killer, or by hand): postgres removes its own segment on any shutdown it sees, and at its next
 * start in the same data directory; ours is removed with the run, so nothing else ever would, and
 * each such run left one on the machine for good. Linux only (/proc/sysvipc/shm); elsewhere nothing.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** how long orphaned backends may stay attached: each exits once it sees its postmaster gone */
const DETACH_WAIT_MS = 5000;
const POLL_MS = 50;

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The shmid the postmaster `pid` wrote in its data directory's postmaster.pid (line 1 its pid, line
 * 7 "key shmid"), which a clean shutdown removes and a SIGKILL leaves: that segment and no other,
 * whatever another process of a reused pid created.
 */
function segmentOf(dataDir: string, pid: number): string | undefined {
  const lines = readOr(join(dataDir, 'postmaster.pid'))?.split('\n') ?? [];
  if (Number(lines[0]) !== pid) return undefined;
  return lines[6]?.trim().split(/\s+/)[1];
}

/** How many processes are attached to segment `shmid` created by `pid`; undefined once it is gone. */
function attached(shmid: string, pid: number): number | undefined {
  // columns: key shmid perms size cpid lpid nattch ...
  const row = (readOr('/proc/sysvipc/shm') ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => cols[1] === shmid && Number(cols[4]) === pid);
  return row === undefined ? undefined : Number(row[6]);
}

/**
 * Removes the segment the exited postmaster `pid` of `dataDir` left, once nothing is attached to it;
 * one still attached after DETACH_WAIT_MS is left alone.
 */
export async function removeSegmentLeftBy(pid: number, dataDir: string): Promise<void> {
  const shmid = segmentOf(dataDir, pid);
  if (shmid === undefined) return;
  const end = Date.now() + DETACH_WAIT_MS;
  let count = attached(shmid, pid);
  while (count !== undefined && count > 0 && Date.now() < end) {
    await delay(POLL_MS);
    count = attached(shmid, pid);
  }
  if (count !== 0) return;
  // nothing more to do where ipcrm is missing or refuses: the run's result stands
  await new Promise<void>((resolve) => execFile('ipcrm', ['-m', shmid], () => resolve()));
}
