import { describe, expect, it } from 'vitest';
import fanOut, { type FanOutOutcome, FanOutRun, task } from '../../scenarios/fan-out.js';
import type { Op } from '../../src/scenario.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(fanOut.cases);

describe('fan-out scenario', () => {
  it('has the cases and params of its SCENARIOS.md row', () => {
    expect(CASES).toEqual(['TaskGroup', 'Promise.all', 'Promise.allSettled', 'p-map']);
    expect(fanOut.params).toEqual({ tasks: [10, 1000, 10000], failAt: ['none', 'middle'] });
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
    }
  }

  it('verify fails a fan-out that returns while siblings still run', async () => {
    // Promise.all without abort and without waiting: the classic leak after a failure.
    const leaky = (_op: Op, state: unknown) => async (): Promise<FanOutOutcome> => {
      const { tasks, failIndex, indexes, runtime } = state as {
        tasks: number;
        failIndex: number;
        indexes: number[];
        runtime: never;
      };
      const run = new FanOutRun(tasks, failIndex, runtime);
      const signal = new AbortController().signal;
      try {
        await Promise.all(indexes.map((i) => task(run, i, signal)));
        return { run, errors: [], runningAtReturn: run.running };
      } catch (error) {
        return { run, errors: [error], runningAtReturn: run.running };
      }
    };
    await expect(runCell(fanOut, 'Promise.all', { tasks: 100, failAt: 'middle' }, { breakOp: leaky })).rejects.toThrow(
      /still running/,
    );
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
    ).rejects.toThrow(/exactly the failure/);
  });
});
