/**
 * Structured concurrency, fan-out / fan-in: start `tasks` tasks at once, gather their results in
 * input order, and when one fails stop the rest (AbortSignal) and report every error.
 * `failAt`: none; middle (one task fails); several (three tasks, at 1/4, 1/2 and 3/4 of the input,
 * fail in their first step, before they look at the signal, so more than one failure really
 * happens and "every error is reported" can fail).
 *
 * One op is the whole fan-out; the harness divides its time by `tasks` (itemsPerOp), so the figure is
 * the time per task. Every case is made correct, not just fast: when a
 * task fails the op aborts the siblings and returns only once none of them is still running, as
 * Python's TaskGroup does; a case that returned earlier would leave work running into the next op.
 * verify checks both halves: nothing runs after the op returned, and some sibling was really
 * cancelled (aborted, or never started), not merely waited for. It also checks that the tasks ran
 * at once ('peak tasks at once', fanOutWidth): a fan-out that awaited each task in turn gets every
 * other check right.
 */

import { defineScenario, type RuntimeAdapter, TaskGroup, type VerifyContext, withMethodReplaced } from 'asyncbench';
import pMap from 'p-map';

/** p-map's concurrency limit: the "limit" a user caps a fan-out at. */
export const P_MAP_LIMIT = 16;

/** The failure injected into a task (failAt = middle or several). */
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
  /** every failure a task threw, in the order thrown */
  readonly thrown: TaskFailure[] = [];

  constructor(
    readonly tasks: number,
    /** the indexes of the tasks that fail */
    readonly fails: ReadonlySet<number>,
    readonly clock: Pick<RuntimeAdapter, 'now'>,
  ) {}

  taskEnded(): void {
    if (--this.running === 0) this.idleAt = this.clock.now();
  }
}

/**
 * Task i takes 1-3 microtask steps (i % 3 + 1), so tasks finish out of input order and a case that
 * gathered results in completion order would be caught. It checks its signal before every step; a
 * failing task fails in its first step, before it looks at the signal.
 */
export async function task(run: FanOutRun, i: number, signal: AbortSignal): Promise<number> {
  run.running++;
  run.started++;
  try {
    for (let step = 0; step <= i % 3; step++) {
      await null;
      if (step === 0 && run.fails.has(i)) {
        if (run.thrown.length === 0) run.failedAt = run.clock.now();
        const failure = new TaskFailure(i);
        run.thrown.push(failure);
        throw failure;
      }
      if (signal.aborted) {
        run.aborted++;
        signal.throwIfAborted();
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
  fails: ReadonlySet<number>;
  indexes: readonly number[];
}

/** the tasks that fail: none, the middle one, or three (at 1/4, 1/2 and 3/4) */
export function failingTasks(tasks: number, failAt: unknown): ReadonlySet<number> {
  if (failAt === 'middle') return new Set([Math.floor(tasks / 2)]);
  if (failAt === 'several') return new Set([Math.floor(tasks / 4), Math.floor(tasks / 2), Math.floor((3 * tasks) / 4)]);
  if (failAt === 'none') return new Set();
  throw new Error(`failAt must be none, middle or several, got ${String(failAt)}`);
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
  // p-map rejects with the first error only: a user who wants every error collects them
  const errors: unknown[] = [];
  const collect = (error: unknown) => {
    if (!isCancellation(error)) errors.push(error);
    throw error;
  };
  const started: Promise<number>[] = [];
  const start = (i: number) => {
    const running = task(run, i, controller.signal).catch(collect);
    started.push(running);
    return running;
  };
  try {
    return { results: await pMap(indexes, start, { concurrency: P_MAP_LIMIT }), errors: [] };
  } catch {
    // p-map stops starting new tasks but leaves the started ones running: abort them and wait.
    controller.abort();
    await Promise.allSettled(started);
    return { errors };
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
      const run = new FanOutRun(state.tasks, state.fails, state.runtime);
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

/** every failure a task threw is reported exactly once, and nothing else is */
export function checkFailures(outcome: FanOutOutcome): void {
  if (outcome.results) throw new Error('a task failed, yet the fan-out returned results');
  const thrown = outcome.run.thrown;
  if (thrown.length === 0) throw new Error('no task failed, yet failAt asked for a failure');
  const reported = outcome.errors;
  const missing = thrown.filter((failure) => !reported.includes(failure));
  const extra = reported.filter((error) => !thrown.includes(error as TaskFailure));
  if (missing.length > 0 || extra.length > 0 || reported.length !== thrown.length)
    throw new Error(
      `expected exactly the ${thrown.length} failures thrown (${thrown.map(String).join('; ')}), ` +
        `got ${reported.length}: ${reported.map(String).join('; ')}`,
    );
}

/**
 * After a failure some sibling was stopped: aborted at its signal, or never started (p-map stops
 * starting new tasks). Task i takes i % 3 + 1 steps and looks at the signal before each, so a fan-out
 * that cancels always catches some sibling mid-way; one that lets every sibling run to completion did
 * not cancel at all, however soon it returned.
 */
function checkCancelled(run: FanOutRun): void {
  const stopped = run.tasks - run.completed - run.thrown.length;
  if (stopped === 0)
    throw new Error(
      `a task failed, yet all ${run.completed} siblings ran to completion (started ${run.started}, aborted ${run.aborted}): none was cancelled`,
    );
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

/**
 * How many tasks a case must have had running at once: all of them, as every case but p-map starts
 * them all before any can end. p-map starts one task per turn of its own loop, a microtask or two
 * apart, and a task here lasts 1-3 microtasks, so it never nears its limit (node: 3 at once with 10
 * tasks, 8 with 1000): two at once still tells it from a loop that awaits each task in turn.
 */
export function fanOutWidth(caseName: string, tasks: number): number {
  return Math.min(caseName === 'p-map' ? 2 : tasks, tasks);
}

/**
 * Runs the op once noting the most tasks that ran at once, with FanOutRun's taskEnded instrumented
 * for that run only (the measured op is not touched): `running` only grows between two ends, so its
 * value as each task ends (before the decrement) reaches the peak.
 */
async function probePeak(op: () => unknown): Promise<{ outcome: FanOutOutcome; peak: number }> {
  let peak = 0;
  const notePeak = (taskEnded: FanOutRun['taskEnded']) =>
    function (this: FanOutRun) {
      if (this.running > peak) peak = this.running;
      taskEnded.call(this);
    };
  const outcome = await withMethodReplaced(FanOutRun.prototype, 'taskEnded', notePeak, op);
  return { outcome: outcome as FanOutOutcome, peak };
}

/**
 * A fan-out runs its tasks at once (fanOutWidth). One that ran them one after another (or a few at a
 * time) still gathers the right results in order, and after a failure still "cancels" the ones it
 * had not started yet: only this catches it.
 */
function checkWidth(caseName: string, tasks: number, peak: number): void {
  const width = fanOutWidth(caseName, tasks);
  if (peak < width)
    throw new Error(
      `at most ${peak} of ${tasks} tasks ran at once, expected ${width}: the fan-out did not start its tasks together`,
    );
}

async function verify(ctx: VerifyContext<FanOutState>): Promise<void> {
  const { tasks, fails } = ctx.state;
  const { outcome, peak } = await probePeak(ctx.op);
  ctx.record('peak tasks at once', peak, 'tasks');
  checkWidth(ctx.caseName, tasks, peak);
  if (outcome.runningAtReturn !== 0)
    throw new Error(`${outcome.runningAtReturn} tasks were still running when the fan-out returned`);
  const steps = outcome.run.steps;
  await afterTimer();
  if (outcome.run.steps !== steps) throw new Error('tasks kept working after the fan-out returned');
  if (fails.size === 0) return checkSuccess(outcome, tasks);
  checkFailures(outcome);
  const { run } = outcome;
  if (run.completed + run.aborted + run.thrown.length !== run.started)
    throw new Error('a started task neither completed, failed nor was aborted');
  checkCancelled(run);
  ctx.record('time to cancel', await timeToCancel(ctx), 'ns');
}

export default defineScenario<FanOutState>({
  id: 'fan-out',
  title: 'Fan-out / fan-in with cancellation on failure',
  pattern: 'Structured concurrency: fan-out / fan-in',
  kind: 'micro',
  metric: { name: 'time per task', unit: 'ns', better: 'lower' },
  itemsPerOp: (params) => Number(params.tasks),
  params: { tasks: [10, 1000, 10000], failAt: ['none', 'middle', 'several'] },
  defaults: { tasks: [1000] },
  quick: { failAt: ['middle'] },
  setup: ({ params, runtime }) => {
    const tasks = Number(params.tasks);
    return {
      runtime,
      tasks,
      fails: failingTasks(tasks, params.failAt),
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
