// The start-policy checks of eager-tasks and async-tree: verify probes the measured op (every task,
// not a one-task stand-in) and fails a case whose policy is not the one its name promises.
import { afterEach, describe, expect, it, vi } from 'vitest';
import asyncTree from '../../scenarios/async-tree.js';
import eagerTasks, { type EagerTasksState, makeState, probeStarts } from '../../scenarios/eager-tasks.js';
import { TaskGroup } from '../../src/patterns/task-group.js';
import type { CaseContext, Op } from '../../src/scenario.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

/** the op of another case over the cell's own state: a case wired to the wrong policy */
function wiredAs<S>(scenario: { cases: Record<string, (ctx: CaseContext<S>) => unknown> }, other: string) {
  return (_op: Op, state: unknown) => scenario.cases[other]?.({ state } as CaseContext<S>) as Op;
}

/** a TaskGroup whose `from` policy quietly starts every task but a group's first under `to` */
function onlyFirstTaskUnder(from: string, to: string) {
  const createTask = TaskGroup.prototype.createTask;
  const started = new WeakSet<TaskGroup>();
  vi.spyOn(TaskGroup.prototype, 'createTask').mockImplementation(function (this: TaskGroup, body) {
    const group = this as unknown as { start: string };
    const policy = group.start;
    group.start = policy === from && started.has(this) ? to : policy;
    started.add(this);
    try {
      return createTask.call(this, body);
    } finally {
      group.start = policy;
    }
  });
}

afterEach(() => vi.restoreAllMocks());

describe('eager-tasks: verify checks the start policy of the measured op', () => {
  it('passes every group case at every hit ratio', async () => {
    for (const caseName of ['eager', 'async-fn-eager', 'microtask', 'macrotask'])
      for (const hitRatio of [0, 0.5, 1])
        expect((await runCell(eagerTasks, caseName, { hitRatio, tasks: 100 }, { calls: 1 })).status).toBe('ok');
  });

  for (const [caseName, other, message] of [
    [
      'eager',
      'microtask',
      /100 of 100 cache-hit tasks were not settled at createTask \(task 0 settled after a microtask/,
    ],
    ['eager', 'macrotask', /not settled at createTask \(task 0 settled after a loop turn/],
    ['microtask', 'eager', /not settled after a microtask \(task 0 settled at createTask/],
    ['macrotask', 'microtask', /not settled after a loop turn \(task 0 settled after a microtask/],
    ['async-fn-eager', 'macrotask', /not settled after a microtask \(task 0 settled after a loop turn/],
  ] as const) {
    it(`fails a measured ${caseName} case that is wired as ${other}`, async () => {
      const cell = runCell(eagerTasks, caseName, { hitRatio: 1, tasks: 100 }, { breakOp: wiredAs(eagerTasks, other) });
      await expect(cell).rejects.toThrow(message);
    });
  }

  it("fails an eager TaskGroup that starts only a group's first task eagerly", async () => {
    onlyFirstTaskUnder('eager', 'macrotask');
    await expect(runCell(eagerTasks, 'eager', { hitRatio: 1, tasks: 1000 }, { calls: 1 })).rejects.toThrow(
      /999 of 1000 cache-hit tasks were not settled at createTask \(task 1 settled after a loop turn/,
    );
    // half the tasks hit (the odd ids): all of them come after a group's first task
    await expect(runCell(eagerTasks, 'eager', { hitRatio: 0.5, tasks: 1000 }, { calls: 1 })).rejects.toThrow(
      /500 of 500 cache-hit tasks were not settled at createTask \(task 1 settled/,
    );
  });

  it('at hitRatio 0 (no cache hit in the measured op) probes the same case over an all-hit cache', async () => {
    onlyFirstTaskUnder('eager', 'microtask');
    await expect(runCell(eagerTasks, 'eager', { hitRatio: 0, tasks: 100 }, { calls: 1 })).rejects.toThrow(
      /99 of 100 cache-hit tasks were not settled at createTask/,
    );
  });

  it('probeStarts sees every task of the op, in creation order, and puts createTask back', async () => {
    const createTask = TaskGroup.prototype.createTask;
    const state: EagerTasksState = makeState(10, 0.5);
    const op = (await eagerTasks.cases.eager?.({ state } as CaseContext<EagerTasksState>)) as Op;
    const { value, tasks } = await probeStarts(op);
    expect(value).toBe(state.expectedSum);
    // a miss awaits one load: settled a few microtasks later, well within the loop turn
    expect(tasks.map((task) => task.settles)).toEqual(
      Array.from({ length: 10 }, (_, id) => (state.cache.has(id) ? 'at createTask' : 'after a loop turn')),
    );
    expect(tasks.map((task) => task.plain)).toEqual(Array.from({ length: 10 }, (_, id) => state.cache.has(id)));
    expect(TaskGroup.prototype.createTask).toBe(createTask);
    await expect(
      probeStarts(() => {
        throw new Error('the op failed');
      }),
    ).rejects.toThrow(/the op failed/);
    expect(TaskGroup.prototype.createTask).toBe(createTask);
  });
});

describe('eager-tasks: verify sees the tasks run', () => {
  for (const caseName of Object.keys(eagerTasks.cases))
    it(`fails a ${caseName} op that returns the sum of an earlier call`, async () => {
      const cell = runCell(eagerTasks, caseName, { hitRatio: 0.5, tasks: 100 }, { breakOp: keptFirstResult });
      await expect(cell).rejects.toThrow(
        /looked 0 of its 100 tasks up in the cache: tasks did not run|created 0 tasks/,
      );
    });
});

describe('async-tree: verify checks the start policy with the same probe', () => {
  it('passes every group case over memoization leaves', async () => {
    for (const caseName of ['eager', 'microtask', 'macrotask'])
      expect((await runCell(asyncTree, caseName, { leaf: 'memoization' }, { calls: 1 })).status).toBe('ok');
  });

  for (const [caseName, other, message] of [
    ['eager', 'macrotask', /eager: \d+ of \d+ leaf tasks that returned at once were not settled at createTask/],
    ['microtask', 'eager', /not settled after a microtask \(one settled at createTask\)/],
    ['macrotask', 'microtask', /not settled after a loop turn \(one settled after a microtask\)/],
  ] as const) {
    it(`fails a measured ${caseName} case that is wired as ${other}`, async () => {
      const cell = runCell(
        asyncTree,
        caseName,
        { leaf: 'memoization' },
        { calls: 1, breakOp: wiredAs(asyncTree, other) },
      );
      await expect(cell).rejects.toThrow(message);
    });
  }

  for (const leaf of ['memoization', 'io'])
    it(`fails a group case gathered by Promise.all (${leaf} leaves), which makes no task for the policy check to find`, async () => {
      // a review's variant: 45.8 ms a tree against 67.2 ms, and the eager speedup down from 1.8x to 1.2x
      const cell = runCell(asyncTree, 'macrotask', { leaf }, { calls: 1, breakOp: wiredAs(asyncTree, 'promise-all') });
      await expect(cell).rejects.toThrow(
        'macrotask: the tree made 0 tasks, not one for each of its 55986 nodes below the root: not a TaskGroup tree',
      );
    });

  for (const caseName of Object.keys(asyncTree.cases))
    it(`fails a ${caseName} op that returns the sum of an earlier call`, async () => {
      // a group case's probe sees no leaf task then, and used to fall back to a fresh case over a none tree
      const cell = runCell(asyncTree, caseName, { leaf: 'io' }, { calls: 1, breakOp: keptFirstResult });
      await expect(cell).rejects.toThrow(/the op ran 0 of the tree's 46656 leaves: the tree did not run/);
    });

  it('with io leaves (none returns at once) probes the same case over a none tree', async () => {
    onlyFirstTaskUnder('eager', 'microtask');
    // 6^6 leaves, one per level-1 group of 6 is its group's first task
    await expect(runCell(asyncTree, 'eager', { leaf: 'io' }, { calls: 1 })).rejects.toThrow(
      /38880 of 46656 leaf tasks that returned at once were not settled at createTask/,
    );
  });
});
