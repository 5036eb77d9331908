// Calls the eager-tasks and async-tree cases directly with a hand-made context; the runs through
// the real harness on every runtime are the lead's integration tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import asyncTree, { LEAVES, makeLeaf } from '../../scenarios/async-tree.js';
import eagerTasks, { checkCancellation, GROUP_CASES, makeState, whenHitSettles } from '../../scenarios/eager-tasks.js';
import type { CaseContext, Op, Scenario, VerifyContext } from '../../src/api.js';
import { TaskGroup } from '../../src/patterns/task-group.js';

async function runCell<S>(scenario: Scenario<S>, caseName: string, params: Record<string, number | string>) {
  const ctx = {
    scenario: scenario.id,
    caseName,
    params,
    runtime: { now: () => performance.now() },
    services: {},
    quick: true,
    state: undefined,
    skip(reason: string): never {
      throw new Error(`skipped: ${reason}`);
    },
    record() {},
  } as unknown as CaseContext<S>;
  const state = (await scenario.setup?.(ctx as unknown as CaseContext<undefined>)) as S;
  const withState = { ...ctx, state };
  const op: Op = await scenario.cases[caseName]?.(withState);
  const value = await op();
  await scenario.verify?.({ ...withState, op } as VerifyContext<S>);
  return { value, state };
}

describe('eager-tasks', () => {
  it('every case returns the correct sum at every hit ratio', async () => {
    for (const hitRatio of [0, 0.5, 0.9, 1]) {
      const expected = makeState(100, hitRatio).expectedSum;
      for (const caseName of Object.keys(eagerTasks.cases)) {
        const { value } = await runCell(eagerTasks, caseName, { hitRatio, tasks: 100 });
        expect(value, `${caseName} at hitRatio ${hitRatio}`).toBe(expected);
      }
    }
  });

  it('spreads exactly round-down(tasks * hitRatio) hits over the ids', () => {
    expect(makeState(1000, 0.9).cache.size).toBe(900);
    expect(makeState(1000, 0).cache.size).toBe(0);
    expect(makeState(100, 1).cache.size).toBe(100);
  });

  it('a TaskGroup still cancels siblings on failure under every start policy', async () => {
    for (const policy of ['eager', 'microtask', 'macrotask'] as const) await checkCancellation(policy);
  });

  it('a cache hit settles at createTask under eager start, after a microtask for async getUser and microtask start, after a turn for macrotask', async () => {
    const when = Object.fromEntries(
      await Promise.all(
        Object.entries(GROUP_CASES).map(async ([name, c]) => [name, await whenHitSettles(c.start, c.body)]),
      ),
    );
    expect(when).toEqual({
      eager: 'at createTask',
      'async-fn-eager': 'after a microtask',
      microtask: 'after a microtask',
      macrotask: 'after a loop turn',
    });
  });

  describe('verify fails when a start policy silently changes', () => {
    afterEach(() => vi.restoreAllMocks());
    /** a TaskGroup whose `from` start quietly behaves like `to` */
    function degrade(from: string, to: string) {
      const createTask = TaskGroup.prototype.createTask;
      vi.spyOn(TaskGroup.prototype, 'createTask').mockImplementation(function (this: TaskGroup, body) {
        if (this.start !== from) return createTask.call(this, body);
        const self = this as unknown as { start: string };
        self.start = to;
        try {
          return createTask.call(this, body);
        } finally {
          self.start = from;
        }
      });
    }

    for (const [caseName, from, to, message] of [
      ['eager', 'eager', 'microtask', /settled after a microtask, expected at createTask/],
      ['async-fn-eager', 'eager', 'macrotask', /settled after a loop turn, expected after a microtask/],
      ['microtask', 'microtask', 'eager', /settled at createTask, expected after a microtask/],
      ['macrotask', 'macrotask', 'microtask', /settled after a microtask, expected after a loop turn/],
    ] as const) {
      it(`${caseName} that became a ${to} start`, async () => {
        degrade(from, to);
        await expect(runCell(eagerTasks, caseName, { hitRatio: 1, tasks: 100 })).rejects.toThrow(message);
      });
    }
  });

  it('matches its SCENARIOS.md row', () => {
    expect(eagerTasks.kind).toBe('micro');
    expect(eagerTasks.params).toEqual({ hitRatio: [0, 0.5, 0.9, 1], tasks: [100, 1000] });
    expect(Object.keys(eagerTasks.cases)).toEqual(
      expect.arrayContaining(['eager', 'microtask', 'macrotask', 'promise-all']),
    );
  });
});

describe('async-tree', () => {
  it('has the shape of pyperformance: 6 levels of 6 branches, 46656 leaves', () => {
    expect(LEAVES).toBe(46656);
    expect(makeLeaf('none').expectedSum).toBe(46656);
  });

  it('every case sums the tree correctly; every leaf kind too', async () => {
    const cells = [
      ...Object.keys(asyncTree.cases).map((caseName) => [caseName, 'none']),
      ...['io', 'memoization', 'mixed'].flatMap((leaf) => [
        ['macrotask', leaf],
        ['promise-all', leaf],
      ]),
    ];
    for (const [caseName, leaf] of cells) {
      {
        const { value, state } = await runCell(asyncTree, caseName as string, { leaf: leaf as string });
        expect(value, `${caseName} with leaf ${leaf}`).toBe(state.expectedSum);
      }
    }
  });

  it('memoization: about 90% of leaves return at once once the cache is warm', async () => {
    const { leaf } = makeLeaf('memoization');
    for (let i = 0; i < LEAVES; i++) leaf(i); // warms the cache, like pyperformance's first run
    let immediate = 0;
    for (let i = 0; i < LEAVES; i++) if (typeof leaf(i) === 'number') immediate++;
    expect(immediate / LEAVES).toBeGreaterThan(0.88);
    expect(immediate / LEAVES).toBeLessThan(0.92);
    // exactly the leaves drawn 1..90 return at once, and those drawn 91..100 wait for their turn
    const now: number[] = [];
    const later: Promise<number>[] = [];
    for (let i = 0; i < LEAVES; i++) {
      const r = leaf(i);
      if (typeof r === 'number') now.push(r);
      else later.push(r);
    }
    expect(now).toHaveLength(immediate);
    expect(now.every((v) => v >= 1 && v <= 90)).toBe(true);
    expect(new Set(now).size).toBe(90);
    const waited = await Promise.all(later);
    expect(waited.every((v) => v >= 91 && v <= 100)).toBe(true);
    expect(new Set(waited).size).toBe(10);
  });

  it('rejects an unknown leaf kind', () => {
    expect(() => makeLeaf('bogus' as 'none')).toThrow(/unknown leaf/);
  });
});
