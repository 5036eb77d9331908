/**
 * The job script of the runner scenario (the seed's asyncio.Runner: one loop running several jobs in
 * turn, its context preserved). `runner-job.js K` runs K small async jobs one after another in this
 * one process and prints `result <i> <hash> <context>` after each, then ends by itself.
 *
 * It loads nothing of the harness (no runtime adapter, no node:* module): its cold start is the
 * runtime's own start plus a few kilobytes of script. The context is module state that lives as long
 * as the process: every job records itself in it, and prints how many jobs it found there before
 * it, so a process reused for K jobs prints 0..K-1 and a fresh process always 0.
 */
import { nextTurn } from '../patterns/scheduling.js';
import { scriptArguments } from '../runtimes/script-args.js';
import { runnerJobResult } from './runner-job-result.js';

/** the runner's context: shared by every job this process runs */
const context = { results: new Map<number, number>() };

/** one job: a turn of the event loop (where the I/O of a real job would wait), then a little CPU */
async function job(index: number): Promise<{ result: number; before: number }> {
  const before = context.results.size;
  await nextTurn();
  const result = runnerJobResult(index);
  context.results.set(index, result);
  return { result, before };
}

const jobs = Number(scriptArguments()[0] ?? 1);
for (let i = 0; i < jobs; i++) {
  const { result, before } = await job(i);
  console.log(`result ${i} ${result} ${before}`);
}
