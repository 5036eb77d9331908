/**
 * Where WorkerPool's speedup at 2 workers goes on a 2-core machine (docs/patterns.md, WorkerPool):
 * runs the `workers` scenario's CPU task through the pool at 1 and 2 workers, with the scenario's
 * window of 2 tasks in flight per worker, and reads the CPU time of the main thread and of the whole
 * process from Linux's /proc (utime and stime of /proc/self/task/<pid>/stat, in 10 ms ticks).
 *
 * At 1 worker the main thread runs on the other core for free; at 2 workers every cycle it spends
 * is a cycle neither worker gets. The table splits the speedup into the CPU the workers got (the
 * process less its main thread, 2 workers over 1) and the tasks they finished per CPU second.
 *
 *   npx esbuild --bundle --format=esm --platform=node --packages=external --alias:asyncbench=./src/api.ts \
 *     scripts/study/pool-main-thread.ts --outfile=.tmp/pool-main-thread.mjs
 *   node_modules/.bin/node .tmp/pool-main-thread.mjs [rounds] [seconds]   (deno run -A, bun alike)
 *
 * Linux only. Build first (npm run build): the pool loads dist/workers/cpu-worker.js.
 */
import { readFileSync } from 'node:fs';
import { type CpuResult, type CpuTask, TASK_ROUNDS, WorkerPool } from 'asyncbench';
import { currentRuntime } from '../../src/runtimes/current.js';

const g = globalThis as { process?: { argv: string[] }; Deno?: { args: string[] } };
const args = g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
const rounds = Number(args[0] ?? 3);
const seconds = Number(args[1] ?? 4);
const TICK_MS = 10;

/** user and system CPU time, in ms, of a /proc stat file (fields 14 and 15) */
function cpuMs(path: string): { user: number; system: number } {
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

interface Reading {
  tasksPerS: number;
  /** CPU of the main thread, % of one core */
  mainPct: number;
  /** CPU of the rest of the process (the workers, mostly), % of one core */
  restPct: number;
  mainUserUs: number;
  mainSystemUs: number;
}

async function measure(workers: number): Promise<Reading> {
  const runtime = await currentRuntime();
  const mainStat = `/proc/self/task/${readFileSync('/proc/self/stat', 'utf8').split(' ')[0]}/stat`;
  const pool = new WorkerPool<CpuTask, CpuResult>({
    runtime,
    module: new URL('../dist/workers/cpu-worker.js', import.meta.url),
    size: workers,
  });
  await pool.ready();
  const inflight: Promise<CpuResult>[] = [];
  let done = 0;
  const start = performance.now();
  const main0 = cpuMs(mainStat);
  const all0 = cpuMs('/proc/self/stat');
  while (performance.now() - start < seconds * 1000) {
    while (inflight.length < 2 * workers) inflight.push(pool.run({ seed: done % 16, rounds: TASK_ROUNDS }));
    await inflight.shift();
    done++;
  }
  const ms = performance.now() - start;
  const main1 = cpuMs(mainStat);
  const all1 = cpuMs('/proc/self/stat');
  await Promise.allSettled(inflight);
  await pool.close();
  const mainUser = main1.user - main0.user;
  const mainSystem = main1.system - main0.system;
  const all = all1.user + all1.system - all0.user - all0.system;
  return {
    tasksPerS: (done / ms) * 1000,
    mainPct: ((mainUser + mainSystem) / ms) * 100,
    restPct: ((all - mainUser - mainSystem) / ms) * 100,
    mainUserUs: (mainUser / done) * 1000,
    mainSystemUs: (mainSystem / done) * 1000,
  };
}

const name = (await currentRuntime()).name;
console.log(
  'round  tasks/s at 1 and 2 workers  speedup  workers CPU at 1 and 2 (2/1)  tasks per CPU s 2/1  main thread at 2',
);
for (let round = 1; round <= rounds; round++) {
  const one = await measure(1);
  const two = await measure(2);
  const cpu = two.restPct / one.restPct;
  const perCpu = two.tasksPerS / two.restPct / (one.tasksPerS / one.restPct);
  console.log(
    `${name} ${round}  ${one.tasksPerS.toFixed(0).padStart(8)}  ${two.tasksPerS.toFixed(0).padStart(8)}  ` +
      `${(two.tasksPerS / one.tasksPerS).toFixed(3)}x  ${one.restPct.toFixed(0)}% ${two.restPct.toFixed(0)}% (${cpu.toFixed(3)}x)  ${perCpu.toFixed(3)}x  ` +
      `${two.mainPct.toFixed(1)}% of a core (${two.mainUserUs.toFixed(1)} us user + ${two.mainSystemUs.toFixed(1)} us system a task)`,
  );
}
