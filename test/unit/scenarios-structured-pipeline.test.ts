import { describe, expect, it } from 'vitest';
import pipelineScenario, { ITEMS, type Packet, type Sink } from '../../scenarios/pipeline.js';
import type { Op } from '../../src/scenario.js';
import { runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(pipelineScenario.cases);

describe('pipeline scenario', () => {
  it('has the cases and params of its SCENARIOS.md row', () => {
    expect(CASES).toEqual([
      'patterns pipeline',
      'Web Streams pipeThrough',
      'async generator chain',
      'node:stream pipeline',
    ]);
    expect(pipelineScenario.params).toEqual({ stages: [3], itemSize: ['small', '4KiB'] });
  });

  for (const caseName of CASES) {
    for (const itemSize of ['small', '4KiB']) {
      it(`${caseName}, ${itemSize} items: every packet arrives, in order, through every stage`, async () => {
        const cell = await runCell(pipelineScenario, caseName, { stages: 3, itemSize });
        expect(cell.status).toBe('ok');
        const sink = (cell as { value: Sink }).value;
        expect(sink.received).toBe(ITEMS);
        expect(sink.bad).toBe(0);
      });
    }

    it(`${caseName}: another stage count works too (--param stages=1)`, async () => {
      const cell = await runCell(pipelineScenario, caseName, { stages: 1, itemSize: 'small' });
      expect(cell.status).toBe('ok');
    });
  }

  it('verify fails a pipeline that loses a packet', async () => {
    const lossy = (op: Op) => async () => {
      const sink = (await op()) as Sink;
      sink.received--;
      return sink;
    };
    await expect(
      runCell(pipelineScenario, 'async generator chain', { stages: 3, itemSize: 'small' }, { breakOp: lossy }),
    ).rejects.toThrow(/999 of 1000/);
  });

  it('verify fails packets that arrive out of order', async () => {
    const swapped = (op: Op) => async () => {
      const sink = (await op()) as Sink;
      const packet: Packet = { id: 5, hops: 3, body: 5 };
      sink.accept(packet);
      sink.received--;
      return sink;
    };
    await expect(
      runCell(pipelineScenario, 'Web Streams pipeThrough', { stages: 3, itemSize: 'small' }, { breakOp: swapped }),
    ).rejects.toThrow(/out of order/);
  });
});
