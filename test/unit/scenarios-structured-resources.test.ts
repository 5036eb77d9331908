import { describe, expect, it } from 'vitest';
import resources, { acquire, body, type DisposalLog, type Nest, nestOp } from '../../scenarios/resources.js';
import { RESOLVED } from '../../src/patterns/scheduling.js';
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

  const brokenCase = (nest: Nest) => (_op: unknown, state: unknown) =>
    nestOp(nest, state as { nesting: number; fail: boolean });

  /** a nest (promise chains, not try/finally) that awaits the disposal of the levels `awaits` picks, and only starts the others' */
  const forgetting = (awaits: (depth: number) => boolean): Nest => {
    const nest: Nest = (log, depth, nesting, fail) =>
      depth === nesting
        ? RESOLVED.then(() => body(log, fail))
        : acquire(depth, log).then((resource) =>
            nest(log, depth + 1, nesting, fail).finally(() => {
              const disposed = resource[Symbol.asyncDispose]();
              return awaits(depth) ? disposed : undefined;
            }),
          );
    return nest;
  };

  it('verify fails a nest that starts each disposal but does not await it (fire and forget)', async () => {
    // logs the right reverse order, and returns before the resources are closed
    const forgetful = forgetting(() => false);
    for (const nesting of [1, 3])
      await expect(runCell(resources, 'try/finally', { nesting }, { breakOp: brokenCase(forgetful) })).rejects.toThrow(
        new RegExp(
          `on success: the op settled after 0 of its ${nesting} releases had completed: a disposal was not awaited`,
        ),
      );
    // the same nest awaiting every disposal passes
    expect(
      (await runCell(resources, 'try/finally', { nesting: 3 }, { breakOp: brokenCase(forgetting(() => true)) })).status,
    ).toBe('ok');
  });

  it('verify fails a nest that releases a resource before the body runs', async () => {
    // acquires, releases, then runs the body: the order of releases and their stepping are right
    const releaseFirst: Nest = async (log, depth, nesting, fail) => {
      if (depth === nesting) return body(log, fail);
      await (await acquire(depth, log))[Symbol.asyncDispose]();
      return await releaseFirst(log, depth + 1, nesting, fail);
    };
    await expect(
      runCell(resources, 'withResource', { nesting: 1 }, { breakOp: brokenCase(releaseFirst) }),
    ).rejects.toThrow(/on success: the body ran with 0 of the 1 resources held, not all of them/);
  });

  it('verify fails a nest that releases all its resources at once, in the right order', async () => {
    // every resource acquired, the body run, then all disposals started together (reverse order) and awaited
    const allAtOnce: Nest = async (log, _depth, nesting, fail) => {
      const held: AsyncDisposable[] = [];
      try {
        for (let id = 0; id < nesting; id++) held.push(await acquire(id, log));
        return body(log, fail);
      } finally {
        await Promise.all(held.reverse().map((resource) => resource[Symbol.asyncDispose]()));
      }
    };
    await expect(
      runCell(resources, 'withResource', { nesting: 3 }, { breakOp: brokenCase(allAtOnce) }),
    ).rejects.toThrow(
      /on success: 3 releases were pending at once after 0 had completed: a resource was released before the one inside it/,
    );
  });

  it('verify fails a nest that awaits the inner disposals but not the outermost one', async () => {
    const outerForgotten = forgetting((depth) => depth > 0);
    await expect(
      runCell(resources, 'try/finally', { nesting: 3 }, { breakOp: brokenCase(outerForgotten) }),
    ).rejects.toThrow(/the op settled after 2 of its 3 releases had completed/);
  });
});
