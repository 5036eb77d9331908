/**
 * Structured concurrency, fan-out / fan-in: start `tasks` tasks at once, gather their results in
 * input order, and when one fails stop the rest (AbortSignal) and report every error.
 *
 * One op is the whole fan-out; the harness divides its time by `tasks` (itemsPerOp), so the figure is
 * the time per task. Every case is made correct, not just fast: when a
 * task fails the op aborts the siblings and returns only once none of them is still running, as
 * Python's TaskGroup does; a case that returned earlier would leave work running into the next op.
 */

import { defineScenario, type RuntimeAdapter, TaskGroup, type VerifyContext } from 'asyncbench';
import pMap from 'p-map';

/** p-map's concurrency limit: the "limit" a user caps a fan-out at. */
export const P_MAP_LIMIT = 16;

/** The failure injected into the middle task when failAt = middle. */
export class TaskFailure extends Error {
  constructor(readonly index: number) {
    super(`task ${index} failed`);
    this.name = 'TaskFailure';
  }
}

/** Bookkeeping of one fan-out, shared by its tasks: what started, ran, finished, was aborted. */
export class FanOutRun {
  running = 0;
  started = 0;
  completed = 0;
  aborted = 0;
  steps = 0;
  failedAt = Number.NaN;
  idleAt = Number.NaN;
  private onIdle: (() => void) | undefined;

  constructor(
    readonly tasks: number,
    readonly failIndex: number,
    readonly clock: RuntimeAdapter,
  ) {}

  /** resolves once no task is running (at once when none is) */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  taskEnded(): void {
    if (--this.running > 0) return;
    this.idleAt = this.clock.now();
    this.onIdle?.();
    this.onIdle = undefined;
  }
}

/**
 * Task i takes 1-3 microtask steps (i % 3 + 1), so tasks finish out of input order and a case that
 * gathered results in completion order would be caught. It checks its signal before every step.
 */
export async function task(run: FanOutRun, i: number, signal: AbortSignal): Promise<number> {
  run.running++;
  run.started++;
  try {
    for (let step = 0; step <= i % 3; step++) {
      await null;
      if (signal.aborted) {
        run.aborted++;
        signal.throwIfAborted();
      }
      if (i === run.failIndex) {
        run.failedAt = run.clock.now();
        throw new TaskFailure(i);
      }
      run.steps++;
    }
    run.completed++;
    return i * 2;
  } finally {
    run.taskEnded();
  }
}

export interface FanOutOutcome {
  run: FanOutRun;
  /** the results in input order (absent when the fan-out failed) */
  results?: readonly number[];
  /** every error the case reported, cancellations excluded */
  errors: readonly unknown[];
  /** tasks still running when the op returned */
  runningAtReturn: number;
}

interface FanOutState {
  runtime: RuntimeAdapter;
  tasks: number;
  failIndex: number;
  indexes: readonly number[];
}

type FanOut = (run: FanOutRun, indexes: readonly number[]) => Promise<Omit<FanOutOutcome, 'run' | 'runningAtReturn'>>;

function isCancellation(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'AbortError';
}

/** The rejections among settled tasks that are real failures, not the cancellations the abort caused. */
function failures(settled: readonly PromiseSettledResult<number>[]): unknown[] {
  return settled
    .filter((s) => s.status === 'rejected' && !isCancellation(s.reason))
    .map((s) => (s as PromiseRejectedResult).reason);
}

const withPromiseAll: FanOut = async (run, indexes) => {
  const controller = new AbortController();
  const promises = indexes.map((i) => task(run, i, controller.signal));
  try {
    return { results: await Promise.all(promises), errors: [] };
  } catch {
    // Promise.all rejects at the first failure but leaves the siblings running: abort them (a few
    // microtasks after the failure, once the rejection got here) and wait until all have settled.
    controller.abort();
    return { errors: failures(await Promise.allSettled(promises)) };
  }
};

const withAllSettled: FanOut = async (run, indexes) => {
  const controller = new AbortController();
  const abortOnFailure = (error: unknown) => {
    controller.abort();
    throw error;
  };
  const settled = await Promise.allSettled(indexes.map((i) => task(run, i, controller.signal).catch(abortOnFailure)));
  const errors = failures(settled);
  return errors.length > 0
    ? { errors }
    : { results: settled.map((s) => (s as PromiseFulfilledResult<number>).value), errors };
};

const withPMap: FanOut = async (run, indexes) => {
  const controller = new AbortController();
  try {
    return {
      results: await pMap(indexes, (i) => task(run, i, controller.signal), { concurrency: P_MAP_LIMIT }),
      errors: [],
    };
  } catch (error) {
    // p-map stops starting new tasks but leaves the started ones running: abort them and wait.
    controller.abort();
    await run.idle();
    return { errors: [error] };
  }
};

const withTaskGroup: FanOut = async (run, indexes) => {
  const group = new TaskGroup();
  const handles = indexes.map((i) => group.createTask((signal) => task(run, i, signal)));
  try {
    // join() settles only when every task has finished, and rejects with all failures at once.
    await group.join();
    return { results: handles.map((handle) => handle.result()), errors: [] };
  } catch (error) {
    return { errors: error instanceof AggregateError ? error.errors : [error] };
  }
};

function fanOutCase(fanOut: FanOut) {
  return ({ state }: { state: FanOutState }) =>
    async (): Promise<FanOutOutcome> => {
      const run = new FanOutRun(state.tasks, state.failIndex, state.runtime);
      const outcome = await fanOut(run, state.indexes);
      return { ...outcome, run, runningAtReturn: run.running };
    };
}

/** a timer: by the time it fires, every microtask and immediate a leftover task could still run has run */
function afterTimer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

function checkSuccess(outcome: FanOutOutcome, tasks: number): void {
  if (outcome.errors.length > 0) throw new Error(`no task fails, yet ${outcome.errors.length} errors were reported`);
  const results = outcome.results ?? [];
  if (results.length !== tasks) throw new Error(`${results.length} results for ${tasks} tasks`);
  const misplaced = results.findIndex((value, i) => value !== i * 2);
  if (misplaced >= 0)
    throw new Error(`result ${misplaced} is ${results[misplaced]}, not ${misplaced * 2}: input order lost`);
}

function checkFailure(outcome: FanOutOutcome, failIndex: number): void {
  if (outcome.results) throw new Error('a task failed, yet the fan-out returned results');
  const injected = outcome.errors.filter((e) => e instanceof TaskFailure && e.index === failIndex);
  if (injected.length !== 1 || outcome.errors.length !== 1)
    throw new Error(`expected exactly the failure of task ${failIndex}, got: ${outcome.errors.map(String).join('; ')}`);
}

/** Median, over a few fan-outs, of the time from the failure to the moment no sibling runs. */
async function timeToCancel(ctx: VerifyContext<FanOutState>): Promise<number> {
  const spans: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { run } = (await ctx.op()) as FanOutOutcome;
    spans.push(run.idleAt - run.failedAt);
  }
  spans.sort((a, b) => a - b);
  return spans[2] * 1e6;
}

async function verify(ctx: VerifyContext<FanOutState>): Promise<void> {
  const { tasks, failIndex } = ctx.state;
  const outcome = (await ctx.op()) as FanOutOutcome;
  if (outcome.runningAtReturn !== 0)
    throw new Error(`${outcome.runningAtReturn} tasks were still running when the fan-out returned`);
  const steps = outcome.run.steps;
  await afterTimer();
  if (outcome.run.steps !== steps) throw new Error('tasks kept working after the fan-out returned');
  if (failIndex < 0) return checkSuccess(outcome, tasks);
  checkFailure(outcome, failIndex);
  if (outcome.run.completed + outcome.run.aborted + 1 !== outcome.run.started)
    throw new Error('a started task neither completed, failed nor was aborted');
  ctx.record('time to cancel', await timeToCancel(ctx), 'ns');
}

export default defineScenario<FanOutState>({
  id: 'fan-out',
  title: 'Fan-out / fan-in with cancellation on failure',
  pattern: 'Structured concurrency: fan-out / fan-in',
  kind: 'micro',
  metric: { name: 'time per task', unit: 'ns', better: 'lower' },
  itemsPerOp: (params) => Number(params.tasks),
  params: { tasks: [10, 1000, 10000], failAt: ['none', 'middle'] },
  quick: { tasks: [1000] },
  setup: ({ params, runtime }) => {
    const tasks = Number(params.tasks);
    return {
      runtime,
      tasks,
      failIndex: params.failAt === 'middle' ? Math.floor(tasks / 2) : -1,
      indexes: Array.from({ length: tasks }, (_, i) => i),
    };
  },
  cases: {
    TaskGroup: fanOutCase(withTaskGroup),
    'Promise.all': fanOutCase(withPromiseAll),
    'Promise.allSettled': fanOutCase(withAllSettled),
    'p-map': fanOutCase(withPMap),
  },
  verify,
});
