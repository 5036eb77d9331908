import { describe, expect, it } from 'vitest';
import producerConsumer, { ITEMS, type Tally } from '../../scenarios/producer-consumer.js';
import type { Op } from '../../src/harness/scenario.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(producerConsumer.cases);

describe('producer-consumer scenario', () => {
  it('has the cases and params of its SCENARIOS.md row, plus maxsize 0 (unbounded)', () => {
    expect(CASES).toEqual(['AsyncQueue', 'Web Streams', 'node:stream']);
    expect(producerConsumer.params?.maxsize).toEqual([1, 10, 100, 1000, 0]);
    expect(producerConsumer.params?.consumers).toEqual([1, 3, 8]);
  });

  for (const caseName of CASES) {
    for (const [maxsize, consumers, consumer] of [
      [1, 1, 'fast'],
      [10, 3, 'fast'],
      [100, 8, 'fast'],
      [0, 3, 'fast'],
      [10, 3, 'slow'],
    ] as const) {
      it(`${caseName}, maxsize ${maxsize}, ${consumers} ${consumer} consumers: every item once, bound kept`, async () => {
        const cell = await runCell(producerConsumer, caseName, { maxsize, consumers, consumer });
        expect(cell.status).toBe('ok');
        if (cell.status !== 'ok') return;
        const tally = cell.value as Tally;
        expect(tally.consumed).toBe(ITEMS);
        if (maxsize > 0) expect(cell.records['peak queue length'].value).toBeLessThanOrEqual(maxsize);
        expect(cell.records['peak heap'].unit).toBe('B');
      });
    }

    it(`${caseName}: a slow consumer lets an unbounded queue fill up, a bounded one not`, async () => {
      const unbounded = await runCell(producerConsumer, caseName, { maxsize: 0, consumers: 1, consumer: 'slow' });
      const bounded = await runCell(producerConsumer, caseName, { maxsize: 10, consumers: 1, consumer: 'slow' });
      if (unbounded.status !== 'ok' || bounded.status !== 'ok') throw new Error('a cell did not run');
      expect(unbounded.records['peak queue length'].value).toBeGreaterThan(ITEMS / 2);
      expect(bounded.records['peak queue length'].value).toBeLessThanOrEqual(10);
    });
  }

  it('verify fails an item consumed twice', async () => {
    const duplicating = (op: Op) => async () => {
      const tally = (await op()) as Tally;
      tally.seen[7]++;
      return tally;
    };
    await expect(
      runCell(
        producerConsumer,
        'AsyncQueue',
        { maxsize: 10, consumers: 3, consumer: 'fast' },
        { breakOp: duplicating },
      ),
    ).rejects.toThrow(/item 7 was consumed 2 times/);
  });

  it('verify fails a queue that grew past maxsize', async () => {
    // the unbounded case's op, checked against maxsize 10
    const overfilled = (_op: Op, state: unknown) => {
      const s = state as { maxsize: number };
      return async () => {
        s.maxsize = 0;
        const cell = await runCell(producerConsumer, 'Web Streams', { maxsize: 0, consumers: 1, consumer: 'slow' });
        s.maxsize = 10;
        return (cell as { value: Tally }).value;
      };
    };
    await expect(
      runCell(
        producerConsumer,
        'Web Streams',
        { maxsize: 10, consumers: 1, consumer: 'slow' },
        { breakOp: overfilled },
      ),
    ).rejects.toThrow(/maxsize is 10/);
  });
});
