/** Pool worker of the `workers` and `event-loop-lag` scenarios: answers CpuTask with its hash. */
import { serveTasks } from '../patterns/worker-pool.js';
import { currentRuntime } from '../runtimes/current.js';
import runCpuTask from './cpu-kernel.js';

const runtime = await currentRuntime();
await serveTasks(runtime.workerPort(), runCpuTask);
