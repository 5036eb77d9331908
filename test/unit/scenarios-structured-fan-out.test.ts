import { afterEach, describe, expect, it, vi } from 'vitest';
import fanOut, { type FanOutOutcome, FanOutRun, failingTasks, TaskFailure, task } from '../../scenarios/fan-out.js';
import { TaskGroup } from '../../src/patterns/task-group.js';
import type { Op } from '../../src/scenario.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(fanOut.cases);

describe('fan-out scenario', () => {
  it('has the cases and params of its SCENARIOS.md row', () => {
    expect(CASES).toEqual(['TaskGroup', 'Promise.all', 'Promise.allSettled', 'p-map']);
    expect(fanOut.params).toEqual({ tasks: [10, 1000, 10000], failAt: ['none', 'middle', 'several'] });
    expect(fanOut.kind).toBe('micro');
  });

  for (const caseName of CASES) {
    for (const tasks of [10, 1000]) {
      it(`${caseName}, ${tasks} tasks, none fails: results in input order, verify passes`, async () => {
        const cell = await runCell(fanOut, caseName, { tasks, failAt: 'none' });
        expect(cell.status).toBe('ok');
        const outcome = (cell as { value: FanOutOutcome }).value;
        expect(outcome.results).toEqual(Array.from({ length: tasks }, (_, i) => i * 2));
      });

      it(`${caseName}, ${tasks} tasks, the middle fails: one error, siblings stopped, time to cancel recorded`, async () => {
        const cell = await runCell(fanOut, caseName, { tasks, failAt: 'middle' });
        expect(cell.status).toBe('ok');
        const outcome = (cell as { value: FanOutOutcome }).value;
        expect(outcome.errors).toHaveLength(1);
        expect(outcome.runningAtReturn).toBe(0);
        expect(outcome.run.completed).toBeLessThan(tasks);
        if (cell.status === 'ok') expect(cell.records['time to cancel'].value).toBeGreaterThanOrEqual(0);
      });

      it(`${caseName}, ${tasks} tasks, several fail: every failure thrown is reported, once`, async () => {
        const cell = await runCell(fanOut, caseName, { tasks, failAt: 'several' });
        expect(cell.status).toBe('ok');
        const outcome = (cell as { value: FanOutOutcome }).value;
        expect(outcome.run.thrown.length).toBeGreaterThanOrEqual(1);
        expect(new Set(outcome.errors)).toEqual(new Set(outcome.run.thrown));
        // three failures really happen where all tasks start at once (p-map starts them one by one and
        // stops starting new ones after the first failure)
        if (caseName !== 'p-map') expect(outcome.run.thrown).toHaveLength(3);
      });
    }
  }

  /**
   * A broken op in place of the case's: `fanOut` gets a fresh FanOutRun of the cell, its indexes and a
   * signal nobody aborts.
   */
  const brokenFanOut =
    (fanOut: (run: FanOutRun, indexes: number[], signal: AbortSignal) => Promise<FanOutOutcome>) =>
    (_op: Op, state: unknown) =>
    () => {
      const { tasks, fails, indexes, runtime } = state as {
        tasks: number;
        fails: Set<number>;
        indexes: number[];
        runtime: never;
      };
      return fanOut(new FanOutRun(tasks, fails, runtime), indexes, new AbortController().signal);
    };

  it('verify fails a fan-out that returns while siblings still run', async () => {
    // Promise.all without abort and without waiting: the classic leak after a failure.
    const leaky = brokenFanOut(async (run, indexes, signal) => {
      try {
        await Promise.all(indexes.map((i) => task(run, i, signal)));
        return { run, errors: [], runningAtReturn: run.running };
      } catch (error) {
        return { run, errors: [error], runningAtReturn: run.running };
      }
    });
    await expect(runCell(fanOut, 'Promise.all', { tasks: 100, failAt: 'middle' }, { breakOp: leaky })).rejects.toThrow(
      /still running/,
    );
  });

  it('verify fails a fan-out that waits for every sibling instead of cancelling them', async () => {
    // returns only once all have settled and reports every error, but never aborts anything
    const neverCancels = brokenFanOut(async (run, indexes, never) => {
      const settled = await Promise.allSettled(indexes.map((i) => task(run, i, never)));
      const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
      return { run, errors, runningAtReturn: run.running };
    });
    for (const caseName of CASES)
      for (const [tasks, failAt] of [
        [10, 'middle'],
        [1000, 'middle'],
        [1000, 'several'],
      ] as const)
        await expect(runCell(fanOut, caseName, { tasks, failAt }, { breakOp: neverCancels })).rejects.toThrow(
          /siblings ran to completion .*aborted 0\): none was cancelled/,
        );
  });

  it('every case cancels some sibling after a failure: aborted, or (p-map) never started', async () => {
    for (const caseName of CASES)
      for (const tasks of [10, 1000])
        for (const failAt of ['middle', 'several']) {
          const cell = await runCell(fanOut, caseName, { tasks, failAt });
          const { run } = (cell as { value: FanOutOutcome }).value;
          expect(run.aborted + (tasks - run.started), `${caseName} ${tasks} ${failAt}`).toBeGreaterThan(0);
        }
  });

  describe('verify fails a fan-out that runs its tasks one after another', () => {
    afterEach(() => vi.restoreAllMocks());

    it('a TaskGroup that starts each task only once the one before it ended', async () => {
      // right results in input order; after a failure the tasks not yet started count as cancelled
      const createTask = TaskGroup.prototype.createTask;
      let previous: Promise<void> = Promise.resolve();
      vi.spyOn(TaskGroup.prototype, 'createTask').mockImplementation(function (this: TaskGroup, body) {
        const before = previous;
        let ended!: () => void;
        previous = new Promise<void>((resolve) => {
          ended = resolve;
        });
        return createTask.call(this, async (signal: AbortSignal) => {
          try {
            await before;
            signal.throwIfAborted();
            return await body(signal);
          } finally {
            ended();
          }
        });
      });
      for (const failAt of ['none', 'middle', 'several'])
        await expect(runCell(fanOut, 'TaskGroup', { tasks: 100, failAt })).rejects.toThrow(
          /at most 1 of 100 tasks ran at once, expected 100: the fan-out did not start its tasks together/,
        );
    });

    it('a loop that awaits each task in turn, in place of any case (p-map: two at once at least)', async () => {
      const serial = brokenFanOut(async (run, indexes, signal) => {
        const results: number[] = [];
        for (const i of indexes) results.push(await task(run, i, signal));
        return { run, results, errors: [], runningAtReturn: run.running };
      });
      for (const caseName of CASES)
        await expect(runCell(fanOut, caseName, { tasks: 10, failAt: 'none' }, { breakOp: serial })).rejects.toThrow(
          caseName === 'p-map' ? /at most 1 of 10 tasks ran at once, expected 2/ : /at most 1 of 10 .* expected 10/,
        );
    });
  });

  it('every case runs its tasks at once: all of them, p-map at least two', async () => {
    for (const caseName of CASES)
      for (const tasks of [10, 1000]) {
        const cell = await runCell(fanOut, caseName, { tasks, failAt: 'none' });
        if (cell.status !== 'ok') throw new Error('the cell did not run');
        const peak = cell.records['peak tasks at once'].value;
        if (caseName === 'p-map') expect(peak).toBeGreaterThanOrEqual(2);
        else expect(peak, caseName).toBe(tasks);
      }
  });

  it('verify fails results gathered out of input order', async () => {
    const shuffled = (op: Op) => async () => {
      const outcome = (await op()) as FanOutOutcome;
      return { ...outcome, results: [...(outcome.results ?? [])].reverse() };
    };
    await expect(runCell(fanOut, 'Promise.all', { tasks: 10, failAt: 'none' }, { breakOp: shuffled })).rejects.toThrow(
      /input order/,
    );
  });

  it('verify fails a fan-out that swallows the failure', async () => {
    const swallowing = (op: Op) => async () => ({ ...((await op()) as FanOutOutcome), errors: [] });
    await expect(
      runCell(fanOut, 'TaskGroup', { tasks: 10, failAt: 'middle' }, { breakOp: swallowing }),
    ).rejects.toThrow(/exactly the 1 failures thrown/);
  });

  it('verify fails a fan-out that reports only the first of several failures', async () => {
    // what p-map (and Promise.all) give without extra work: the first rejection only
    const firstOnly = (op: Op) => async () => {
      const outcome = (await op()) as FanOutOutcome;
      return { ...outcome, errors: outcome.errors.slice(0, 1) };
    };
    for (const caseName of CASES.filter((name) => name !== 'p-map'))
      await expect(runCell(fanOut, caseName, { tasks: 10, failAt: 'several' }, { breakOp: firstOnly })).rejects.toThrow(
        /exactly the 3 failures thrown/,
      );
  });

  it('verify fails a fan-out that reports a failure twice or one nobody threw', async () => {
    const doubled = (op: Op) => async () => {
      const outcome = (await op()) as FanOutOutcome;
      return { ...outcome, errors: [...outcome.errors, outcome.errors[0]] };
    };
    await expect(runCell(fanOut, 'TaskGroup', { tasks: 10, failAt: 'several' }, { breakOp: doubled })).rejects.toThrow(
      /exactly the 3 failures/,
    );
    const invented = (op: Op) => async () => {
      const outcome = (await op()) as FanOutOutcome;
      return { ...outcome, errors: [...outcome.errors.slice(1), new TaskFailure(0)] };
    };
    await expect(
      runCell(fanOut, 'Promise.allSettled', { tasks: 10, failAt: 'several' }, { breakOp: invented }),
    ).rejects.toThrow(/exactly the 3 failures/);
    expect([...failingTasks(1000, 'several')]).toEqual([250, 500, 750]);
    expect(() => failingTasks(10, 'first')).toThrow(/none, middle or several/);
  });
});
