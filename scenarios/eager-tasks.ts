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
 * - async-fn-eager: an eager TaskGroup whose body is the seed's `async def get_user` translated word
 *   for word (an `async function` that returns from the cache): the seed's own code under eager start;
 * - promise-all: the same bodies gathered with a bare Promise.all (no group, no cancellation);
 * - async-fn: Promise.all over the `async function` get_user: a cache hit still costs a promise and a
 *   microtask.
 * The op returns the sum of all tasks' results, which verify checks. verify also checks when a cache
 * hit's task is settled under each group case, so a policy that silently changed (an eager start that
 * became a microtask start would flatten the headline chart) fails the cell:
 * - eager: when createTask returns (Python's eager_task_factory: no scheduling at all);
 * - async-fn-eager: after one microtask, never later. JavaScript cannot settle an async function's
 *   result synchronously (its promise can only be read in a later microtask), so this is the closest
 *   a literal translation of the seed gets;
 * - microtask: after one microtask, not when createTask returns;
 * - macrotask: after an event-loop turn, not after microtasks.
 */
import { type CaseContext, defineScenario, nextTurn, RESOLVED, type StartPolicy, TaskGroup } from 'asyncbench';

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

type Body = (cache: Map<number, number>, id: number) => number | Promise<number>;

/** the group cases: their start policy, their body, and when a cache hit's task must be settled */
export const GROUP_CASES = {
  eager: { start: 'eager', body: getUser, hitSettles: 'at createTask' },
  'async-fn-eager': { start: 'eager', body: getUserAsync, hitSettles: 'after a microtask' },
  microtask: { start: 'microtask', body: getUser, hitSettles: 'after a microtask' },
  macrotask: { start: 'macrotask', body: getUser, hitSettles: 'after a loop turn' },
} as const satisfies Record<string, { start: StartPolicy; body: Body; hitSettles: Settles }>;

export type Settles = 'at createTask' | 'after a microtask' | 'after a loop turn' | 'later';

/** When is a task of a group with this policy settled, whose body finds its value in the cache? */
export async function whenHitSettles(start: StartPolicy, body: Body): Promise<Settles> {
  const cache = new Map([[1, userValue(1)]]);
  const group = new TaskGroup({ start });
  const task = group.createTask(() => body(cache, 1));
  let settles: Settles = 'later';
  if (task.done) settles = 'at createTask';
  else {
    await RESOLVED;
    if (task.done) settles = 'after a microtask';
    else {
      await nextTurn();
      if (task.done) settles = 'after a loop turn';
    }
  }
  await group.join();
  if (task.result() !== userValue(1)) throw new Error(`${start}: the cache hit's task returned ${task.result()}`);
  return settles;
}

function groupCase(start: StartPolicy, body: Body) {
  return (ctx: CaseContext<EagerTasksState>) => {
    const { cache, tasks } = ctx.state;
    return async (): Promise<number> => {
      const group = new TaskGroup({ start });
      const handles = new Array(tasks);
      for (let id = 0; id < tasks; id++) handles[id] = group.createTask(() => body(cache, id));
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
  defaults: { hitRatio: [0, 1], tasks: [1000] },
  quick: { hitRatio: [1] },
  setup: (ctx) => makeState(Number(ctx.params.tasks), Number(ctx.params.hitRatio)),
  cases: {
    eager: groupCase('eager', getUser),
    'async-fn-eager': groupCase('eager', getUserAsync),
    microtask: groupCase('microtask', getUser),
    macrotask: groupCase('macrotask', getUser),
    'promise-all': promiseAllCase(getUser),
    'async-fn': promiseAllCase(getUserAsync),
  },
  async verify(ctx) {
    const sum = await ctx.op();
    if (sum !== ctx.state.expectedSum)
      throw new Error(`the tasks' results sum to ${sum}, expected ${ctx.state.expectedSum}`);
    const group = GROUP_CASES[ctx.caseName as keyof typeof GROUP_CASES];
    if (group === undefined) return;
    const settles = await whenHitSettles(group.start, group.body);
    if (settles !== group.hitSettles)
      throw new Error(
        `${ctx.caseName}: a cache hit's task is settled ${settles}, expected ${group.hitSettles} (the start policy changed)`,
      );
    await checkCancellation(group.start);
  },
});
