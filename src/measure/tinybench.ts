/** The second engine: tinybench, fed batches so its per-call clock reads do not dominate. */
import { Bench } from 'tinybench';
import type { Op } from '../scenario.js';
import type { Clock, MicroEngine, RoundPlan } from './types.js';

export const tinybenchEngine: MicroEngine = {
  name: 'tinybench',
  async measureRound(op: Op, round: RoundPlan, clock: Clock): Promise<number[]> {
    let sink: unknown;
    clock.gc();
    const bench = new Bench({
      time: round.budgetMs,
      iterations: round.minSamples,
      warmupTime: Math.min(50, round.budgetMs / 4),
      now: clock.now,
      retainSamples: true,
    });
    bench.add('op', async () => {
      const t0 = clock.now();
      for (let i = 0; i < round.batch; i++) {
        sink = op();
        if (sink instanceof Promise) sink = await sink;
      }
      const elapsed = clock.now() - t0;
      // a sample is the batch's mean; the time budget is charged the whole batch
      return { overriddenDuration: elapsed / round.batch, overriddenIterationCost: elapsed };
    });
    const [task] = await bench.run();
    const result = task.result;
    if (result.state === 'errored') throw result.error;
    if (result.state !== 'completed' || !result.latency.samples)
      throw new Error(`tinybench ended in state ${result.state}`);
    // the last reference to `sink` keeps every op's value observable (PITFALLS 5)
    if (sink === clock) throw new Error('unreachable');
    return Array.from(result.latency.samples.slice(0, round.maxSamples), (ms) => ms * 1e6);
  },
};
