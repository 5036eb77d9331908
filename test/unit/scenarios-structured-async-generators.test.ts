import { afterEach, describe, expect, it, vi } from 'vitest';
import asyncGenerators, { ITEMS, Pages, ReadLog } from '../../scenarios/async-generators.js';
import type { PageSource } from '../../src/patterns/paginate.js';
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

  it('verify fails a reader that reads the items without fetching their pages', async () => {
    // the items held ready, in order, the source closed once: only the pages fetched tell
    const noFetch = (_op: Op, state: unknown) => async () => {
      const { pageSize, breakAfter } = state as { pageSize: number; breakAfter: number };
      const log = new ReadLog(new Pages(pageSize), breakAfter);
      for (let item = 0; item < ITEMS && !log.accept(item); item++);
      log.source.close();
      return log;
    };
    await expect(runCell(asyncGenerators, 'async generator', { pageSize: 10 }, { breakOp: noFetch })).rejects.toThrow(
      /full read: 0 pages fetched for 1000 items, 101 needed: items were read without fetching their pages/,
    );
  });

  it('verify fails a reader that closes the page source twice', async () => {
    const closingAgain = (op: Op) => async () => {
      const log = (await op()) as ReadLog;
      log.source.close();
      return log;
    };
    await expect(
      runCell(asyncGenerators, 'manual page loop', { pageSize: 10 }, { breakOp: closingAgain }),
    ).rejects.toThrow(/full read: the page source was closed 2 times, not once/);
  });

  describe('verify fails a paginate() that fetches every page before it yields the first item', () => {
    afterEach(() => {
      vi.doUnmock('../../src/patterns/paginate.js');
      vi.resetModules();
    });

    it('same items, same order, source closed: only the pages fetched on an early stop tell', async () => {
      vi.resetModules();
      vi.doMock('../../src/patterns/paginate.js', () => ({
        async *paginate<T>(source: PageSource<T>) {
          const pages: (readonly T[])[] = [];
          try {
            for (let n = 1, page = await source.fetchPage(n); page.length > 0; page = await source.fetchPage(++n))
              pages.push(page);
            for (const page of pages) yield* page;
          } finally {
            await source.close?.();
          }
        },
      }));
      const { default: prefetching } = await import('../../scenarios/async-generators.js');
      for (const caseName of ['async generator', 'ReadableStream.from', 'Array.fromAsync'])
        await expect(runCell(prefetching, caseName, { pageSize: 10 }), caseName).rejects.toThrow(
          /early stop: 101 pages fetched for 5 items, 1 needed: pages were fetched before they were asked for/,
        );
    });
  });
});
