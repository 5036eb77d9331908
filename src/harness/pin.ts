/**
 * Pinning the measuring process of a micro cell to one CPU (`taskset -c N`, Linux).
 *
 * Why: on the 2-core development VM the between-fork spread of micro cells came from slow phases
 * that last minutes and hit every cell and runtime alike, the process 1.3-1.5x slower while it
 * ran; pinned to one CPU the forks showed next to none of it, and their fastest forks were as fast
 * as the unpinned ones (docs/architecture.md, "Stable forks", has the study). Only micro cells
 * that run on one thread are pinned: a worker, a child process or a server started by the case
 * would inherit the mask and share that CPU, which would change what is measured.
 */
import type { RuntimeAdapter } from '../runtimes/types.js';
import type { Cell } from './plan.js';

/** A cell whose measuring process may be pinned: single-threaded micro work. */
export function pinnable(cell: Cell): boolean {
  return cell.scenario.kind === 'micro' && !cell.scenario.requires.includes('workers');
}

/** The command prefix that pins a process to `cpu`. */
export function pinPrefix(cpu: number | undefined): string[] {
  return cpu === undefined ? [] : ['taskset', '-c', String(cpu)];
}

/**
 * The CPU to pin to by default: the last one, when there are at least two (one then stays for the
 * harness and the services) and `taskset` can pin there (Linux, that CPU in our affinity mask);
 * else none.
 */
export async function defaultPinCpu(runtime: RuntimeAdapter): Promise<number | undefined> {
  const cpus = runtime.cpus();
  if (cpus < 2) return undefined;
  return (await canPin(runtime, cpus - 1)) ? cpus - 1 : undefined;
}

/** `taskset` exists and may pin a process to `cpu`. */
export async function canPin(runtime: RuntimeAdapter, cpu: number): Promise<boolean> {
  try {
    const child = runtime.spawn('taskset', ['-c', String(cpu), 'true'], { stderr: 'ignore' });
    return (await child.exited).code === 0;
  } catch {
    return false;
  }
}
