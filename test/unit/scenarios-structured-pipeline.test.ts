import { describe, expect, it } from 'vitest';
import pipelineScenario, {
  advance,
  ITEMS,
  leadLimit,
  type Packet,
  type PipelineState,
  packets,
  Sink,
  STAGE_BOUND,
} from '../../scenarios/pipeline.js';
import { pipeline, type Stage } from '../../src/patterns/pipeline.js';
import type { Op } from '../../src/scenario.js';
import { keptFirstResult, runCell } from './scenarios-structured-context.js';

const CASES = Object.keys(pipelineScenario.cases);

/** stage `index` of a patterns pipeline, buffering `bound` packets */
function stageAt(index: number, bound = STAGE_BOUND): Stage<unknown, unknown> {
  return { fn: (packet: Packet) => advance(packet, index), bound } as Stage<unknown, unknown>;
}

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

  it('every case keeps the source within its bound of the sink (recorded as source lead)', async () => {
    expect(leadLimit(3)).toBe(4 * (STAGE_BOUND + 1));
    for (const caseName of CASES)
      for (const stages of [1, 3]) {
        const cell = await runCell(pipelineScenario, caseName, { stages, itemSize: 'small' }, { calls: 1 });
        if (cell.status !== 'ok') throw new Error(`${caseName} did not run`);
        expect(cell.records['source lead']?.value).toBeLessThanOrEqual(leadLimit(stages));
      }
  });

  it('verify fails a "pipeline" that runs each stage over the whole batch (nothing streams)', async () => {
    const batch = (_op: Op, state: unknown) => async () => {
      const s = state as PipelineState;
      const sink = new Sink(s);
      let all = [...packets(s, sink)];
      for (let stage = 0; stage < s.stages; stage++) all = await Promise.all(all.map(async (p) => advance(p, stage)));
      for (const packet of all) sink.accept(packet);
      return sink;
    };
    await expect(
      runCell(pipelineScenario, 'patterns pipeline', { stages: 3, itemSize: '4KiB' }, { breakOp: batch }),
    ).rejects.toThrow(/the source ran 999 packets ahead of the sink, more than 68 .*the stages do not stream/);
  });

  it('verify fails a pipeline that skips a stage, even one that runs another twice to make up the count', async () => {
    // stage 1 never runs; stage 2 runs twice, so every packet still arrives with hops === stages
    const skipping = (_op: Op, state: unknown) => async () => {
      const s = state as PipelineState;
      const sink = new Sink(s);
      for await (const packet of pipeline(packets(s, sink), stageAt(0), stageAt(2), stageAt(2)))
        sink.accept(packet as Packet);
      return sink;
    };
    await expect(
      runCell(pipelineScenario, 'patterns pipeline', { stages: 3, itemSize: 'small' }, { breakOp: skipping }),
    ).rejects.toThrow(/1000 packets arrived out of order or not through every stage/);
  });

  for (const caseName of CASES)
    it(`verify fails a ${caseName} op that returns the sink of an earlier call`, async () => {
      // every packet there, in order, through every stage: and no source ran, so no lead either
      await expect(
        runCell(pipelineScenario, caseName, { stages: 3, itemSize: 'small' }, { breakOp: keptFirstResult }),
      ).rejects.toThrow(/the source made 0 of 1000 packets in verify's run: the sink's came from elsewhere/);
    });

  it('verify fails a pipeline whose stages buffer past STAGE_BOUND', async () => {
    const unbounded = (_op: Op, state: unknown) => async () => {
      const s = state as PipelineState;
      const sink = new Sink(s);
      const stages = Array.from({ length: s.stages }, (_, i) => stageAt(i, ITEMS));
      for await (const packet of pipeline(packets(s, sink), ...stages)) sink.accept(packet as Packet);
      return sink;
    };
    await expect(
      runCell(pipelineScenario, 'patterns pipeline', { stages: 3, itemSize: 'small' }, { breakOp: unbounded }),
    ).rejects.toThrow(/packets ahead of the sink, more than 68/);
  });
});
