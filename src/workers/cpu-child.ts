/**
 * A child process of the `workers` scenario's child-processes case: a CPU task server. It answers
 * POST / with body {"seed","rounds"} by the task's CpuResult (JSON), on 127.0.0.1, and prints `ready <url>` once
 * it listens. It stops on SIGTERM or SIGINT.
 */
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';
import runCpuTask, { type CpuTask } from './cpu-kernel.js';

// a harness killed by SIGKILL takes the measuring child with it, not this process: it ends itself
exitWithParent();
const runtime = await currentRuntime();
const server = await runtime.serve(async (request) => {
  const task = (await request.json()) as CpuTask;
  return Response.json(runCpuTask(task));
});
const stop = async () => {
  await server.close();
  runtime.exit(0);
};
runtime.onSignal('SIGTERM', stop);
runtime.onSignal('SIGINT', stop);
console.log(`ready ${server.url}`);
