/**
 * The job script of the runner scenario (the seed's asyncio.Runner: one loop running several jobs in
 * turn). `runner-job.js K` runs K small async jobs one after another in this one process and prints
 * `result <i> <hash>` after each, then ends by itself.
 */
import { nextTurn } from '../patterns/scheduling.js';
import { currentRuntime } from '../runtimes/current.js';
import { runnerJobResult } from './runner-job-result.js';

/** one job: a turn of the event loop (where the I/O of a real job would wait), then a little CPU */
async function job(index: number): Promise<number> {
  await nextTurn();
  return runnerJobResult(index);
}

const runtime = await currentRuntime();
const jobs = Number(runtime.args()[0] ?? 1);
for (let i = 0; i < jobs; i++) console.log(`result ${i} ${await job(i)}`);
