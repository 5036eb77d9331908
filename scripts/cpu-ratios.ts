/**
 * The patterns library's speed targets as ratios of CPU time, for a machine too busy for wall-clock
 * figures (docs/measurements/2026-12-02-patterns.md): the scenarios' own cases, built and timed in
 * one process, each against the peer it is judged by, interleaved round by round.
 *
 * CPU time (process.cpuUsage(): user + system, all threads) does not grow while the process waits
 * for a CPU, which on a loaded 2-core host is most of the wall time. It does not replace
 * `asyncbench run` (fresh processes, forks, wall time), and it is no measure of allocation-heavy cells
 * whose GC debt one case leaves to the next (pipeline at 4 KiB): there the fresh-process run decides.
 *
 *   npx esbuild --bundle --format=esm --platform=node --packages=external --alias:asyncbench=./src/api.ts \
 *     scripts/cpu-ratios.ts --outfile=.tmp/cpu-ratios.mjs
 *   node_modules/.bin/node .tmp/cpu-ratios.mjs [all|taskgroup|pipeline|handles] [rounds]   (deno run -A, bun alike)
 *
 * `handles` is not in `all`: what the eager case's handles cost with no group (docs/patterns.md).
 * rounds: a whole number from 1 to 10000 (default 9). Anything else (an unknown mode or flag) is one line, exit 2.
 */
import eagerTasks, { GROUP_CASES, makeState } from '../scenarios/eager-tasks.js';
import fanOut, { FanOutRun, task } from '../scenarios/fan-out.js';
import pipelineScenario from '../scenarios/pipeline.js';
import { intFlag, parseFlags, UsageError } from '../src/cli/command.js';
import type { Op, Scenario } from '../src/scenario.js';

const g = globalThis as {
  process?: { argv: string[]; cpuUsage(): { user: number; system: number }; exit(code: number): never };
  Deno?: { args: string[]; exit(code: number): never };
};
const exit = (code: number) => (g.Deno ? g.Deno.exit(code) : g.process?.exit(code));

const USAGE =
  'usage: cpu-ratios [all|taskgroup|pipeline|handles] [rounds]   (rounds: a whole number from 1 to 10000, default 9)';
const MODES = ['all', 'taskgroup', 'pipeline', 'handles'];

/** the mode and the rounds; bad arguments are one line and exit 2, as in the CLI */
function parse(argv: string[]): { which: string; rounds: number } {
  try {
    const { values, positionals } = parseFlags(argv, {});
    if (values.help) {
      console.log(USAGE);
      exit(0);
    }
    if (positionals.length > 2)
      throw new UsageError(`takes a mode and a number of rounds, got '${positionals.join(' ')}'`);
    const which = positionals[0] ?? 'all';
    if (!MODES.includes(which)) throw new UsageError(`unknown mode '${which}'; valid: ${MODES.join(', ')}`);
    return { which, rounds: intFlag(positionals[1], 'rounds', 9) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cpu-ratios: ${error.message}`);
    exit(2);
    throw error;
  }
}

const { which, rounds } = parse(g.Deno?.args ?? g.process?.argv.slice(2) ?? []);

/** CPU time of this process in ms */
function cpuNow(): number {
  const usage = (g.process as NonNullable<typeof g.process>).cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** ns of CPU per item over `ms` of wall time */
async function time(op: Op, items: number, ms: number): Promise<number> {
  let calls = 0;
  const wall = performance.now();
  const t0 = cpuNow();
  while (performance.now() - wall < ms) {
    await op();
    calls++;
  }
  return ((cpuNow() - t0) * 1e6) / (calls * items);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;

async function build(scenario: Scenario, caseName: string, params: Record<string, number | string>): Promise<Op> {
  const ctx = { params, caseName, runtime: { now: () => performance.now() } } as never as Parameters<
    NonNullable<Scenario['setup']>
  >[0];
  const state = await scenario.setup?.(ctx);
  return (await scenario.cases[caseName]?.({ ...ctx, state } as never)) as Op;
}

/** the median over rounds of time(a) / time(b), a and b timed back to back in each round */
async function ratio(a: Op, b: Op, items: number): Promise<{ ratio: number; a: number; b: number }> {
  await time(a, items, 30);
  await time(b, items, 30);
  const [ra, rb, rr]: number[][] = [[], [], []];
  for (let r = 0; r < rounds; r++) {
    const x = await time(a, items, 25);
    const y = await time(b, items, 25);
    ra.push(x);
    rb.push(y);
    rr.push(x / y);
  }
  return { ratio: median(rr), a: median(ra), b: median(rb) };
}

/**
 * The least any TaskGroup could cost in fan-out: Promise.all plus what the scenario's TaskGroup case
 * itself does per task (a body closure, a handle, one more pass over the handles), with no work by
 * the group at all. floor / Promise.all is the ratio no TaskGroup implementation can beat.
 */
function fanOutFloor(tasks: number): Op {
  const indexes = Array.from({ length: tasks }, (_, i) => i);
  const clock = { now: () => performance.now() };
  return async () => {
    const run = new FanOutRun(tasks, new Set(), clock);
    const signal = new AbortController().signal;
    const start = (body: (signal: AbortSignal) => Promise<number>) => ({ promise: body(signal) });
    const handles = indexes.map((i) => start((signal) => task(run, i, signal)));
    return Promise.all(handles.map((handle) => handle.promise));
  };
}

if (which === 'all' || which === 'taskgroup') {
  for (const tasks of [100, 1000, 10_000]) {
    const fan = await ratio(
      await build(fanOut as Scenario, 'TaskGroup', { tasks, failAt: 'none' }),
      await build(fanOut as Scenario, 'Promise.all', { tasks, failAt: 'none' }),
      tasks,
    );
    const floor = await ratio(
      fanOutFloor(tasks),
      await build(fanOut as Scenario, 'Promise.all', { tasks, failAt: 'none' }),
      tasks,
    );
    console.log(
      `fan-out ${tasks}: TaskGroup/Promise.all = ${fan.ratio.toFixed(2)} (${fan.a.toFixed(0)} / ${fan.b.toFixed(0)} ns); floor ${floor.ratio.toFixed(2)}`,
    );
    for (const hitRatio of [0, 0.5, 0.9, 1]) {
      const eager = await ratio(
        await build(eagerTasks as Scenario, 'eager', { tasks, hitRatio }),
        await build(eagerTasks as Scenario, 'promise-all', { tasks, hitRatio }),
        tasks,
      );
      console.log(
        `eager-tasks ${tasks} hitRatio=${hitRatio}: eager/promise-all = ${eager.ratio.toFixed(2)} (${eager.a.toFixed(0)} / ${eager.b.toFixed(0)} ns)`,
      );
    }
  }
}

/** a handle of a Task's shape */
class Handle {
  status = 'pending';
  outcome: unknown = undefined;
  waiter: unknown = undefined;
}

/** counts the tasks down to the end of the op */
class Countdown {
  finish = () => {};
  readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  constructor(public pending: number) {}
}

/** one then() per task that settles its handle and counts down, in a frame of its own as TaskGroup's */
function follow(handle: Handle, promise: PromiseLike<unknown>, countdown: Countdown): void {
  promise.then(
    (value) => {
      handle.status = 'fulfilled';
      handle.outcome = value;
      if (--countdown.pending === 0) countdown.finish();
    },
    (error) => {
      handle.status = 'rejected';
      handle.outcome = error;
      if (--countdown.pending === 0) countdown.finish();
    },
  );
}

/**
 * What eager-tasks' `eager` case costs with no group at all: its per-task body closure alone; that
 * closure plus a handle of a Task's shape kept per task; and, where the bodies return promises (hit
 * ratio 0), that plus one then() per task that settles the handle and counts down to the end, which
 * any group that sees each task finish must pay, and the case's last pass summing the results. The
 * last is the least a TaskGroup with this API can cost; the group's own bookkeeping adds the rest.
 */
function eagerHandleFloor(tasks: number, hitRatio: number, level: 'closure' | 'handle' | 'then'): Op {
  const { cache } = makeState(tasks, hitRatio);
  const getUser = GROUP_CASES.eager.body;
  const start = (body: () => number | Promise<number>, countdown: Countdown) => {
    const handle = new Handle();
    const result = body();
    if (typeof result === 'number') {
      handle.status = 'fulfilled';
      handle.outcome = result;
      if (--countdown.pending === 0) countdown.finish();
    } else follow(handle, result, countdown);
    return handle;
  };
  return async () => {
    const kept = new Array(tasks);
    if (level === 'then') {
      const countdown = new Countdown(tasks);
      for (let id = 0; id < tasks; id++) kept[id] = start(() => getUser(cache, id), countdown);
      await countdown.finished;
      // the case's own last pass: it sums every task's result, as promise-all sums its array
      let sum = 0;
      for (let id = 0; id < tasks; id++) sum += kept[id].outcome as number;
      return sum;
    }
    for (let id = 0; id < tasks; id++) {
      const body = () => getUser(cache, id);
      if (level === 'closure') kept[id] = body();
      else {
        const handle = new Handle();
        handle.outcome = body();
        kept[id] = handle;
      }
    }
    return kept.length;
  };
}

if (which === 'handles') {
  for (const [tasks, hitRatio] of [
    [1000, 1],
    [10_000, 1],
    [1000, 0],
    [10_000, 0],
  ] as const) {
    const params = { tasks, hitRatio };
    const promiseAll = await build(eagerTasks as Scenario, 'promise-all', params);
    const variants: [string, Op][] = [
      ['closure', eagerHandleFloor(tasks, hitRatio, 'closure')],
      ['closure + kept handle', eagerHandleFloor(tasks, hitRatio, 'handle')],
      ...(hitRatio === 0
        ? [['closure + handle + then', eagerHandleFloor(tasks, hitRatio, 'then')] as [string, Op]]
        : []),
      ['TaskGroup', await build(eagerTasks as Scenario, 'eager', params)],
    ];
    const parts: string[] = [];
    for (const [name, op] of variants) {
      const r = await ratio(op, promiseAll, tasks);
      parts.push(`${name} ${r.a.toFixed(1)} ns = ${r.ratio.toFixed(2)}x promise-all (${r.b.toFixed(1)} ns)`);
    }
    console.log(`eager-tasks ${tasks} hitRatio=${hitRatio}: ${parts.join('; ')}`);
  }
}

if (which === 'all' || which === 'pipeline') {
  const peers = ['Web Streams pipeThrough', 'async generator chain', 'node:stream pipeline'];
  for (const itemSize of ['small', '4KiB']) {
    const params = { stages: 3, itemSize };
    const ours = await build(pipelineScenario as Scenario, 'patterns pipeline', params);
    const results: [string, number][] = [];
    for (const name of peers)
      results.push([name, (await ratio(ours, await build(pipelineScenario as Scenario, name, params), 1000)).ratio]);
    // the fastest peer is the one our pipeline compares worst with
    const best = results.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(
      `pipeline ${itemSize}: patterns/fastest peer (${best[0]}) = ${best[1].toFixed(2)}; ${results.map(([n, r]) => `${n} ${r.toFixed(2)}`).join(', ')}`,
    );
  }
}
