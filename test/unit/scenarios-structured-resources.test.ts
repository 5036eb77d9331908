import { describe, expect, it } from 'vitest';
import resources, { acquire, type DisposalLog, type Nest, nestOp } from '../../scenarios/resources.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(resources.cases);

describe('resources scenario', () => {
  it('has the cases and params of its SCENARIOS.md row, await using in two forms', () => {
    expect(CASES).toEqual(['await using (lowered)', 'await using (native)', 'try/finally', 'withResource']);
    expect(resources.params).toEqual({ nesting: [1, 3] });
  });

  for (const caseName of CASES) {
    for (const nesting of [1, 3, 5]) {
      it(`${caseName}, nesting ${nesting}: disposed in reverse order, on success and on throw`, async () => {
        const cell = await runCell(resources, caseName, { nesting });
        if (cell.status === 'skipped') {
          // the test runner's toolchain may leave `await using` as it is, or its runtime may not parse it
          expect(cell.reason).toMatch(/await using/);
          return;
        }
        const log = cell.value as DisposalLog;
        expect(log.disposed).toEqual(Array.from({ length: nesting }, (_, i) => nesting - 1 - i));
        expect(log.result).toBe(nesting);
      });
    }
  }

  it('verify fails a nest that does not dispose when the body throws', async () => {
    const leakOnThrow: Nest = async (log, depth, nesting, fail) => {
      if (depth === nesting) {
        if (fail) throw new Error('the body failed');
        return log.acquired;
      }
      const resource = await acquire(depth, log);
      const result = await leakOnThrow(log, depth + 1, nesting, fail);
      await resource[Symbol.asyncDispose]();
      return result;
    };
    const broken = (_op: unknown, state: unknown) => nestOp(leakOnThrow, state as { nesting: number; fail: boolean });
    await expect(runCell(resources, 'try/finally', { nesting: 3 }, { breakOp: broken })).rejects.toThrow(
      /when the body throws/,
    );
  });
});
