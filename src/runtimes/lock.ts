/**
 * A lock file held by one process at a time, across processes and hosts that share a directory:
 * provisioning a runtime version, building a revision for `compare --base`. The file holds its
 * holder's host, pid and start time, so a holder that died is known as such and its lock taken over.
 */

import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Interrupted, UsageError } from '../result/errors.js';
import { ownSuffix } from './debris.js';
import { processExists } from './parent-guard.js';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** This process as a lock, or a run's journal, names its holder. */
export function thisProcess(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/**
 * Whether a process of this host that some file names (a journal's writer) still runs as asyncbench:
 * its pid lives, and where /proc tells, its command line names asyncbench (a pid reused since by
 * another program is not the writer). A process of another host cannot be told: false.
 */
export function asyncbenchRuns({ pid, host }: { pid: number; host: string }): boolean {
  // kill(0) and kill(-1) reach groups, not a process, and node throws past 2^31: a file's pid is
  // one process's, or no writer that runs
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 1 || pid >= 2 ** 31 || pid === process.pid) return false;
  if (!processExists(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('asyncbench');
  } catch {
    // where /proc is, a pid it does not show (gone meanwhile, or hidden: hidepid) cannot be told the
    // writer; with no /proc at all, a live pid is taken for it
    return !existsSync('/proc/self');
  }
}

/** A lock older than this is taken over even when its holder seems alive (a hung install). */
const LOCK_STALE_MS = 30 * 60_000;
const LOCK_WAIT_MS = 30 * 60_000;
const LOCK_POLL_MS = 200;

/** The lock file's text, or 'gone' when it vanished meanwhile. */
function readLock(path: string): string | 'gone' {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
}

/**
 * The holder a lock file's text names; undefined when it is not one (corrupt, or JSON of another
 * shape: a lock without a parseable `since` could never age, and its contenders would wait 30 minutes)
 */
function holderOf(text: string): LockHolder | undefined {
  let holder: Partial<LockHolder> | null;
  try {
    holder = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof holder !== 'object' || holder === null) return undefined;
  const { pid, host, since } = holder;
  if (!Number.isInteger(pid) || typeof host !== 'string' || typeof since !== 'string') return undefined;
  return Number.isNaN(Date.parse(since)) ? undefined : (holder as LockHolder);
}

function isStale(holder: LockHolder | undefined, now: number): boolean {
  if (!holder) return true;
  if (now - Date.parse(holder.since) > LOCK_STALE_MS) return true;
  return holder.host === hostname() && !processExists(holder.pid);
}

/** A takeover that left its mark and died: the mark is older than any takeover takes. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Removes a stale lock whose text was `stale`, as the one contender that does: the lock is
 * hard-linked to a name made of that text, which only one contender can create, and removed only if
 * the link shows it is still that lock. Every contender that read the stale lock used to remove
 * "it", and one that came second removed the lock the first had just taken. Returns false when
 * another contender is at it, so the caller waits instead of spinning.
 */
function takeOver(path: string, stale: string): boolean {
  const mark = `${path}.stale-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  try {
    linkSync(path, mark);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code !== 'EEXIST') throw error;
    // link() sets the ctime: a mark older than any takeover takes is a dead contender's
    const marked = statSync(mark, { throwIfNoEntry: false })?.ctimeMs;
    if (marked !== undefined && Date.now() - marked > TAKEOVER_STALE_MS) rmSync(mark, { force: true });
    return false;
  }
  try {
    // a new holder's lock, linked by a contender that read the stale one long ago, says otherwise
    if (readFileSync(mark, 'utf8') === stale) rmSync(path, { force: true });
  } finally {
    rmSync(mark, { force: true });
  }
  return true;
}

/**
 * Creates the lock file at `path` with its content already in it, or returns false if it exists.
 * The content is written to a private file first and hard-linked into place: link() fails with
 * EEXIST atomically, so no other process can ever read a lock file that is still empty (an
 * O_EXCL create followed by a write could be read between the two, taken for corrupt and removed,
 * and then two processes held the lock).
 */
function tryCreateLock(path: string, me: LockHolder): boolean {
  const draft = `${path}.${ownSuffix()}`;
  writeFileSync(draft, JSON.stringify(me));
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Runs `fn` holding the lock file at `path`. A lock whose holder died (same host, no such pid),
 * that is not a holder's JSON, or that is older than 30 minutes is taken over, by one contender
 * (`takeOver`), so a lock outlives its holder by at most 30 minutes. For provisioning the lock saves
 * a second download (the version's directory appears by one rename either way); for a revision it
 * keeps two builds out of one tree. An abort of `signal` ends the wait with Interrupted.
 */
export async function withLock<T>(
  path: string,
  what: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  mkdirSync(join(path, '..'), { recursive: true });
  // `since` is when this attempt takes the lock, not when the wait began: a lock taken after a long
  // wait must not look old to the next contender while its work has only started
  const me = (): LockHolder => ({ ...thisProcess(), since: new Date().toISOString() });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  while (!tryCreateLock(path, me())) {
    // Ctrl-C while another process holds the lock: the wait (up to 30 minutes) ends, and nothing
    // that needed the lock is done after it
    if (signal?.aborted) throw new Interrupted();
    const text = readLock(path);
    if (text === 'gone') continue;
    const holder = holderOf(text);
    const stale = isStale(holder, Date.now());
    if (stale && takeOver(path, text)) continue;
    if (Date.now() > deadline)
      throw new UsageError(`gave up waiting for ${path} (held by pid ${holder?.pid} on ${holder?.host})`);
    // a stale lock that another contender is taking over names no one worth waiting for
    if (!told && !stale) log(`waiting for another asyncbench (pid ${holder?.pid}) that is ${what}`);
    told ||= !stale;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return await fn();
  } finally {
    releaseLock(path);
  }
}

/**
 * Removes the lock at `path` if this process holds it: withLock's end, and a signal handler's that
 * exits inside it (a lock left behind is taken over only once its holder's pid is gone).
 */
export function releaseLock(path: string): void {
  const text = readLock(path);
  if (text !== 'gone' && holderOf(text)?.pid === process.pid) rmSync(path, { force: true });
}
