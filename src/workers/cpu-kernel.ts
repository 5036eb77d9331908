/**
 * The fixed CPU-bound task of the worker scenarios: a 32-bit hash chain. Each round depends on the
 * last, so no engine can vectorise, parallelise or skip it, and the final value checks that the
 * work was really done. The default export is the task function piscina and tinypool load; it
 * answers with the hash, the id of the worker (thread or process) that computed it and when it
 * started and finished, so the workers scenario can check that the work was really spread and ran
 * in parallel.
 */

export interface CpuTask {
  seed: number;
  rounds: number;
}

/** About 1 ms of work on this 2-core machine on V8 and JavaScriptCore alike (~3.4 ns per round; 1.00-1.06 ms on node 24, deno and Bun, 2026-12-06). */
export const TASK_ROUNDS = 300_000;

export function hashChain(seed: number, rounds: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < rounds; i++) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * The hashes of seeds 0..seeds-1 (TASK_ROUNDS each), to check every task's result against, and the
 * fastest of these main-thread runs (ms): the first run warms the kernel up, so the fastest is the
 * optimised code's time, what one task costs on this machine and runtime.
 */
export function timedHashes(seeds: number, now: () => number): { expected: number[]; taskMs: number } {
  let taskMs = Number.POSITIVE_INFINITY;
  const expected = Array.from({ length: seeds }, (_, seed) => {
    const t0 = now();
    const hash = hashChain(seed, TASK_ROUNDS);
    taskMs = Math.min(taskMs, now() - t0);
    return hash;
  });
  return { expected, taskMs };
}

export interface CpuResult {
  hash: number;
  /** which worker computed it: module state, so every worker thread or process has its own */
  worker: string;
  /** when the worker started and finished the task, in ms since the epoch (performance.timeOrigin + now()): comparable across threads and processes */
  start: number;
  end: number;
}

const WORKER_ID = Math.random().toString(36).slice(2, 12);

/** two clock reads per task (~1 ms of work): the cost of knowing which tasks overlapped */
const epochNow = () => performance.timeOrigin + performance.now();

export default function runCpuTask(task: CpuTask): CpuResult {
  const start = epochNow();
  const hash = hashChain(task.seed, task.rounds);
  return { hash, worker: WORKER_ID, start, end: epochNow() };
}
