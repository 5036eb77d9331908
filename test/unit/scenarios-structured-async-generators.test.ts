import { describe, expect, it } from 'vitest';
import asyncGenerators, { ITEMS, type ReadLog } from '../../scenarios/async-generators.js';
import type { Op } from '../../src/scenario.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(asyncGenerators.cases);

describe('async-generators scenario', () => {
  it('has the cases and params of its SCENARIOS.md row', () => {
    expect(CASES).toEqual(['async generator', 'manual page loop', 'ReadableStream.from', 'Array.fromAsync']);
    expect(asyncGenerators.params).toEqual({ pageSize: [1, 10, 100] });
  });

  for (const caseName of CASES) {
    for (const pageSize of [1, 10, 100, 7]) {
      it(`${caseName}, pageSize ${pageSize}: every item once, in order, source closed, also on an early stop`, async () => {
        const cell = await runCell(asyncGenerators, caseName, { pageSize });
        if (cell.status === 'skipped') {
          // only where the runtime running the tests lacks the built-in
          expect(cell.reason).toMatch(/not available/);
          return;
        }
        const log = cell.value as ReadLog;
        expect(log.count).toBe(ITEMS);
        expect(log.source.closed).toBe(true);
      });
    }
  }

  it('a runtime without the built-in skips the case with the reason', async () => {
    const statics = Array as { fromAsync?: unknown };
    const fromAsync = statics.fromAsync;
    statics.fromAsync = undefined;
    try {
      const cell = await runCell(asyncGenerators, 'Array.fromAsync', { pageSize: 10 });
      expect(cell).toEqual({ status: 'skipped', reason: 'Array.fromAsync is not available on this runtime' });
    } finally {
      statics.fromAsync = fromAsync;
    }
  });

  it('verify fails a reader that leaves the page source open', async () => {
    const leaving = (op: Op) => async () => {
      const log = (await op()) as ReadLog;
      log.source.closed = false;
      return log;
    };
    await expect(runCell(asyncGenerators, 'async generator', { pageSize: 10 }, { breakOp: leaving })).rejects.toThrow(
      /left open/,
    );
  });

  it('verify fails a reader that repeats an item', async () => {
    const repeating = (op: Op) => async () => {
      const log = (await op()) as ReadLog;
      log.accept(3);
      log.count--;
      return log;
    };
    await expect(
      runCell(asyncGenerators, 'manual page loop', { pageSize: 10 }, { breakOp: repeating }),
    ).rejects.toThrow(/out of order or repeated/);
  });
});
