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
 * The op returns the sum of all tasks' results, which verify checks, with every task's cache lookup
 * counted (withCallsCounted: a sum kept from an earlier call is right too). The group cases are built from
 * one table (GROUP_CASES: policy, body, and when a cache hit's task must be settled), and verify
 * re-runs the measured op once with TaskGroup's createTask instrumented (probeStarts): every
 * cache-hit task of the op, not a stand-in, must be settled when the table says, so a policy that
 * silently changed (an eager start that became a microtask start would flatten the headline chart),
 * or one that holds only for a group's first task, fails the cell. The timed op is not touched:
 * only verify's extra run is instrumented. Where the cell has no cache hit (hitRatio 0) verify
 * probes the same case over an all-hit cache. A cache hit's task must be settled:
 * - eager: when createTask returns (Python's eager_task_factory: no scheduling at all);
 * - async-fn-eager: when createTask returns where the runtime reads a settled promise at once (Bun:
 *   TaskGroup.readsSettledPromises), as in Python; elsewhere after one microtask, never later: there an
 *   async function's promise can only be read in a later microtask, so that is the closest a literal
 *   translation of the seed gets;
 * - microtask: after one microtask, not when createTask returns;
 * - macrotask: after an event-loop turn, not after microtasks.
 */
import {
  type CaseContext,
  type CaseFn,
  defineScenario,
  nextTurn,
  type Op,
  onNextTurn,
  RESOLVED,
  type StartPolicy,
  type Task,
  type TaskBody,
  TaskGroup,
  withCallsCounted,
  withMethodReplaced,
} from 'asyncbench';

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
  'async-fn-eager': {
    start: 'eager',
    body: getUserAsync,
    hitSettles: TaskGroup.readsSettledPromises ? 'at createTask' : 'after a microtask',
  },
  microtask: { start: 'microtask', body: getUser, hitSettles: 'after a microtask' },
  macrotask: { start: 'macrotask', body: getUser, hitSettles: 'after a loop turn' },
} as const satisfies Record<string, GroupCase>;

interface GroupCase {
  start: StartPolicy;
  body: Body;
  hitSettles: Settles;
}

/** When a task was settled, counted from the createTask that made it. */
export type Settles = 'at createTask' | 'after a microtask' | 'after a loop turn' | 'later';

/** What probeStarts saw of one task. */
export interface ProbedTask {
  settles: Settles;
  /** its body returned a value, not a promise (a cache hit's getUser, a leaf that returns at once) */
  plain: boolean;
}

type CreateTask = (this: TaskGroup, body: TaskBody<unknown>) => Task<unknown>;

/**
 * Runs `op` once with TaskGroup's createTask instrumented: for every task any group of the op creates,
 * in creation order, when it was settled and whether its body returned a plain value. The op is the
 * measured one, unchanged; only this run is observed, and createTask is restored before it returns.
 * The checks are queued right after what createTask queued (a microtask start, a turn start), so
 * each runs after the start it checks. async-tree uses it too.
 */
export async function probeStarts(op: Op): Promise<{ value: unknown; tasks: ProbedTask[] }> {
  const tasks: ProbedTask[] = [];
  const proto = TaskGroup.prototype as unknown as { createTask: CreateTask };
  const value = await withMethodReplaced(
    proto,
    'createTask',
    (createTask) =>
      function probedCreateTask(this: TaskGroup, body: TaskBody<unknown>): Task<unknown> {
        const probe: ProbedTask = { settles: 'later', plain: false };
        tasks.push(probe);
        const task = createTask.call(this, (signal: AbortSignal) => {
          const result = body(signal);
          probe.plain = typeof (result as { then?: unknown } | null | undefined)?.then !== 'function';
          return result;
        });
        checkWhenSettled(task, probe);
        return task;
      },
    op,
  );
  await nextTurn(); // after the last turn check
  return { value, tasks };
}

/** Notes in `probe` when `task` is settled: when createTask returns, after a microtask, or after a loop turn. */
function checkWhenSettled(task: Task<unknown>, probe: ProbedTask): void {
  if (task.done) {
    probe.settles = 'at createTask';
    return;
  }
  void RESOLVED.then(() => {
    if (task.done) probe.settles = 'after a microtask';
  });
  onNextTurn(() => {
    if (task.done && probe.settles === 'later') probe.settles = 'after a loop turn';
  });
}

/** Every cache-hit task of one run of `op` (over `state`) must be settled when `group` says. */
async function checkHitsSettle(name: string, group: GroupCase, op: Op, state: EagerTasksState): Promise<void> {
  const { value, tasks } = await probeStarts(op);
  if (value !== state.expectedSum) throw new Error(`the tasks' results sum to ${value}, expected ${state.expectedSum}`);
  if (tasks.length !== state.tasks)
    throw new Error(`${name}: the op created ${tasks.length} tasks, not ${state.tasks}`);
  const hits = [...state.cache.keys()];
  const off = hits.filter((id) => tasks[id]?.settles !== group.hitSettles);
  if (off.length === 0) return;
  const first = off[0] as number;
  throw new Error(
    `${name}: ${off.length} of ${hits.length} cache-hit tasks were not settled ${group.hitSettles} ` +
      `(task ${first} settled ${tasks[first]?.settles}, expected ${group.hitSettles}): the start policy changed`,
  );
}

/**
 * When is a lone cache-hit task settled in a group of this policy and body? A one-task group outside
 * the cases, for a quick look; verify probes the measured op's every task instead.
 */
export async function whenHitSettles(start: StartPolicy, body: Body): Promise<Settles> {
  const cache = new Map([[1, userValue(1)]]);
  const { value, tasks } = await probeStarts(async () => {
    const group = new TaskGroup({ start });
    const task = group.createTask(() => body(cache, 1));
    await group.join();
    return task.result();
  });
  if (value !== userValue(1)) throw new Error(`${start}: the cache hit's task returned ${value}`);
  return (tasks[0] as ProbedTask).settles;
}

function groupCase({ start, body }: GroupCase): CaseFn<EagerTasksState> {
  return (ctx) => {
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

const cases: Record<string, CaseFn<EagerTasksState>> = {
  ...Object.fromEntries(Object.entries(GROUP_CASES).map(([name, group]) => [name, groupCase(group)])),
  'promise-all': promiseAllCase(getUser),
  'async-fn': promiseAllCase(getUserAsync),
};

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
  cases,
  async verify(ctx) {
    // every task's body looks its id up once: a sum kept from an earlier call is right too
    const { value: sum, calls: lookups } = await withCallsCounted(ctx.state.cache, 'get', ctx.op);
    if (sum !== ctx.state.expectedSum)
      throw new Error(`the tasks' results sum to ${sum}, expected ${ctx.state.expectedSum}`);
    if (lookups !== ctx.state.tasks)
      throw new Error(`the op looked ${lookups} of its ${ctx.state.tasks} tasks up in the cache: tasks did not run`);
    const name = ctx.caseName;
    if (!Object.hasOwn(GROUP_CASES, name)) return;
    const group: GroupCase = GROUP_CASES[name as keyof typeof GROUP_CASES];
    // the measured op itself; without a cache hit (hitRatio 0), the same case over an all-hit cache
    if (ctx.state.cache.size > 0) await checkHitsSettle(name, group, ctx.op, ctx.state);
    else {
      const allHits = makeState(ctx.state.tasks, 1);
      const caseFn = cases[name] as CaseFn<EagerTasksState>;
      await checkHitsSettle(name, group, await caseFn({ ...ctx, state: allHits }), allHits);
    }
    await checkCancellation(group.start);
  },
});
