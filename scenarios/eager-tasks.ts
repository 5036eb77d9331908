/**
 * eager-tasks (SCENARIOS.md, seed "Eager Task Execution Details"): `tasks` tasks per op, a share
 * `hitRatio` of which find their value in a cache and return without awaiting; the others await a
 * cheap, real asynchronous step: a load that awaits an already-settled promise, i.e. one microtask,
 * the shape of an I/O result that is already buffered (never a timer: PITFALLS 2).
 *
 * JavaScript has no synchronous exit from an `async function` (it always returns a promise), so the
 * task body is the JS idiom for the seed's get_user: a function returning the cached value itself
 * or the promise of a load. Cases:
 * - eager / microtask / macrotask: a TaskGroup starting the bodies under that policy;
 * - promise-all: the same bodies gathered with a bare Promise.all (no group, no cancellation);
 * - async-fn: Promise.all over an `async function` get_user, the seed's code translated word for
 *   word: a cache hit still costs a promise and a microtask.
 * The op returns the sum of all tasks' results, which verify checks.
 */
import { type CaseContext, defineScenario, type StartPolicy, TaskGroup } from 'asyncbench';

export interface EagerTasksState {
  /** id -> value, for the ids that hit */
  cache: Map<number, number>;
  tasks: number;
  /** the sum every op must return */
  expectedSum: number;
}

const SETTLED = Promise.resolve();

/** the value the "database" holds for an id */
function userValue(id: number): number {
  return (id * 7919) % 1009;
}

/** a cache miss: one real asynchronous step, then the value */
async function loadUser(id: number): Promise<number> {
  await SETTLED;
  return userValue(id);
}

/** the task body: the cached value itself, or the promise of a load */
function getUser(cache: Map<number, number>, id: number): number | Promise<number> {
  const cached = cache.get(id);
  return cached !== undefined ? cached : loadUser(id);
}

/** the seed's `async def get_user`, translated literally */
async function getUserAsync(cache: Map<number, number>, id: number): Promise<number> {
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  return await loadUser(id);
}

/** hits spread evenly over the ids: id i hits when floor((i+1)*r) > floor(i*r) */
export function makeState(tasks: number, hitRatio: number): EagerTasksState {
  const cache = new Map<number, number>();
  let expectedSum = 0;
  for (let id = 0; id < tasks; id++) {
    if (Math.floor((id + 1) * hitRatio) > Math.floor(id * hitRatio)) cache.set(id, userValue(id));
    expectedSum += userValue(id);
  }
  return { cache, tasks, expectedSum };
}

function groupCase(start: StartPolicy) {
  return (ctx: CaseContext<EagerTasksState>) => {
    const { cache, tasks } = ctx.state;
    return async (): Promise<number> => {
      const group = new TaskGroup({ start });
      const handles = new Array(tasks);
      for (let id = 0; id < tasks; id++) handles[id] = group.createTask(() => getUser(cache, id));
      await group.join();
      let sum = 0;
      for (let id = 0; id < tasks; id++) sum += handles[id].result();
      return sum;
    };
  };
}

function promiseAllCase(body: (cache: Map<number, number>, id: number) => number | Promise<number>) {
  return (ctx: CaseContext<EagerTasksState>) => {
    const { cache, tasks } = ctx.state;
    return async (): Promise<number> => {
      const pending = new Array<number | Promise<number>>(tasks);
      for (let id = 0; id < tasks; id++) pending[id] = body(cache, id);
      const results = await Promise.all(pending);
      let sum = 0;
      for (let id = 0; id < tasks; id++) sum += results[id] as number;
      return sum;
    };
  };
}

/** Structured concurrency must survive eager start: a failing task aborts its siblings. */
export async function checkCancellation(start: StartPolicy): Promise<void> {
  const group = new TaskGroup({ start });
  const siblings = [0, 1, 2].map(() =>
    group.createTask(
      (signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
    ),
  );
  group.createTask(() => {
    throw new Error('task failed on purpose');
  });
  const error = await group.join().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AggregateError) || error.errors.length !== 1)
    throw new Error(`${start}: join() should reject with an AggregateError of the one failure, got ${String(error)}`);
  if (!siblings.every((task) => task.status === 'cancelled'))
    throw new Error(`${start}: the siblings of a failed task were not cancelled`);
}

export default defineScenario<EagerTasksState>({
  id: 'eager-tasks',
  title: 'Eager vs lazy task start',
  pattern: 'Eager Task Execution Details',
  kind: 'micro',
  metric: { name: 'time per task', unit: 'ns', better: 'lower' },
  itemsPerOp: (params) => Number(params.tasks),
  params: { hitRatio: [0, 0.5, 0.9, 1], tasks: [100, 1000] },
  quick: { hitRatio: [0, 1], tasks: [100] },
  setup: (ctx) => makeState(Number(ctx.params.tasks), Number(ctx.params.hitRatio)),
  cases: {
    eager: groupCase('eager'),
    microtask: groupCase('microtask'),
    macrotask: groupCase('macrotask'),
    'promise-all': promiseAllCase(getUser),
    'async-fn': promiseAllCase(getUserAsync),
  },
  async verify(ctx) {
    const sum = await ctx.op();
    if (sum !== ctx.state.expectedSum)
      throw new Error(`the tasks' results sum to ${sum}, expected ${ctx.state.expectedSum}`);
    const policy = ctx.caseName as StartPolicy;
    if (policy === 'eager' || policy === 'microtask' || policy === 'macrotask') await checkCancellation(policy);
  },
});
