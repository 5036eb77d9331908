/**
 * The fixed CPU-bound task of the worker scenarios: a 32-bit hash chain. Each round depends on the
 * last, so no engine can vectorise, parallelise or skip it, and the final value checks that the
 * work was really done. The default export is the task function piscina and tinypool load.
 */

export interface CpuTask {
  seed: number;
  rounds: number;
}

/** About 3 ms of work on this (loaded, 2-core) machine on V8 and JavaScriptCore alike (~8 ns per round). */
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

export default function runCpuTask(task: CpuTask): number {
  return hashChain(task.seed, task.rounds);
}
